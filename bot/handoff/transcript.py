"""The conversation as the servicedesk sees it on a ticket: recent messages, secrets removed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from bot.safety import redact

MAX_MESSAGES = 60
MAX_MESSAGE_CHARS = 2000
# The ticket's transcript format (bot/tickets/models.py Ticket.transcript_lines): who is
# "user" or "bot", as in Rasa's events.
_SPEAKERS = ("user", "bot")


def _shown(text: str) -> str:
    # A button press arrives as its payload ("/affirm"): say so rather than show the payload.
    if text.startswith("/"):
        return "[pressed a button]"
    return redact(text)[:MAX_MESSAGE_CHARS]


def _at(timestamp: Any) -> str | None:
    if not isinstance(timestamp, (int, float)):
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def transcript(events: Iterable[Mapping[str, Any]], limit: int = MAX_MESSAGES) -> list[dict]:
    """The current session's last ``limit`` messages as ``{"who", "text", "at"}`` dicts.

    Only the current session: an earlier one (days ago, perhaps about something else) is none
    of the ticket's business. Every text is redacted before it leaves this function.
    """
    messages: list[dict] = []
    for event in events:
        kind = event.get("event")
        if kind == "session_started":
            messages = []
        elif kind == "rewind":
            # The message was taken back to be relabelled (actions/context.py) and comes again.
            while messages and messages.pop()["who"] != "user":
                pass
        elif kind in _SPEAKERS and isinstance(event.get("text"), str) and event["text"].strip():
            at = _at(event.get("timestamp"))
            messages.append({"who": kind, "text": _shown(event["text"]), "at": at})
    return messages[-limit:]


def recent_user_texts(events: Iterable[Mapping[str, Any]], count: int) -> list[str]:
    """The user's last ``count`` typed messages of the session, redacted, oldest first."""
    typed = [m["text"] for m in transcript(events) if m["who"] == "user"]
    typed = [text for text in typed if text != "[pressed a button]"]
    return typed[-count:]
