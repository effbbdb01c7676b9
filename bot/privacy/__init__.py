"""Each person's data (GDPR): find it, export it as one JSON file, erase it.

A person is found by one key: a conversation (a REST/widget sender id, or a Telegram chat), a
ticket reference or a RUC username. ``lookup`` turns the key into the person's conversations,
the hashes the assistant's database keys them by, and their tickets; ``export`` and ``erase``
work on that. The command line (``python -m bot person``), the console's admin page and the
widget's "Delete this conversation" are thin callers of these modules. docs/privacy.md says
what is exported, erased and anonymised, and why.
"""

# What a key names (bot/privacy/lookup.py); a Telegram chat becomes its conversation's sender id.
SENDER, TELEGRAM, TICKET, USERNAME = "sender", "telegram", "ticket", "username"
KINDS = (SENDER, TELEGRAM, TICKET, USERNAME)
