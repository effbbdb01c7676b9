"""Which channel a conversation belongs to, written into its id.

Rasa keys a conversation by its sender id alone. A REST client chooses its own ids, so without
separate namespaces one who sent ``"sender": "123456789"`` would continue the Telegram chat with
that id: read its half-filled ticket form (name, username, phone) and ask its ticket status.
Each channel therefore files its conversations under its own prefix, and a REST sender id may not
begin with another channel's: a conversation can only be continued from the channel that
started it. REST (and the widget, which speaks REST) keep their ids as sent, so what a client
knows as its sender is what the tracker store holds.
"""

from __future__ import annotations

TELEGRAM_PREFIX = "telegram:"
# Prefixes owned by channels other than REST; REST senders may not use them.
RESERVED_PREFIXES = (TELEGRAM_PREFIX,)


def telegram_conversation(chat_id: int | str) -> str:
    """The conversation id of a Telegram chat."""
    return f"{TELEGRAM_PREFIX}{chat_id}"


def telegram_chat(conversation_id: str) -> str:
    """The Telegram chat id of a conversation id (a bare chat id is taken as it is)."""
    return conversation_id.removeprefix(TELEGRAM_PREFIX)


def reserved_prefix(sender: str) -> str | None:
    """The other channel's prefix a REST sender id starts with, if any (case-insensitive)."""
    folded = sender.casefold()
    return next((prefix for prefix in RESERVED_PREFIXES if folded.startswith(prefix)), None)
