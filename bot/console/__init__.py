"""The servicedesk console: a small web app where agents work the assistant's tickets.

It runs as a process of its own, next to the Rasa and action servers, on the same database.
This package holds the agents' accounts and sign-in rules (``auth``) and their admin commands
(``cli``).
"""
