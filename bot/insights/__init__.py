"""How the assistant does, and what to teach it: the facts of each message (turns.py, kept by
the tracker store), the figures of the console's insights page, the review queue."""
