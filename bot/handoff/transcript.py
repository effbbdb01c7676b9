"""The conversation as the servicedesk sees it on a ticket: recent messages, secrets removed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from bot.handoff.fields import is_bare_reply
from bot.safety import intent_of, redact_assistant, redact_message

Event = Mapping[str, Any]

MAX_MESSAGES = 60
MAX_MESSAGE_CHARS = 2000
# The ticket's transcript format (bot/tickets/models.py Ticket.transcript_lines): who is
# "user" or "bot", as in Rasa's events.
_SPEAKERS = ("user", "bot")
# The form, and the questions about the ticket after it: what users say there ("Jonas Berg",
# "20 13 57 91", "send it") answers the ticket, it does not describe the problem.
_TICKET_FORM = "ticket_form"
_TICKET_QUESTIONS = frozenset({"utter_ticket_summary", "utter_ticket_which_field"})


def _shown(event: Event) -> str:
    """A message as the ticket shows it. Users' words are redacted as typed (all of a message
    that shared a password); the assistant's keep their links and phone numbers (the
    servicedesk's number is no code, the App Store link no password) and lose what they quote.
    """
    text = event["text"]
    # A button press arrives as its payload ("/affirm"): say so rather than show the payload.
    if text.startswith("/"):
        return "[pressed a button]"
    if event.get("event") == "bot":
        return redact_assistant(text)[:MAX_MESSAGE_CHARS]
    return redact_message(text, intent_of(event))[:MAX_MESSAGE_CHARS]


def _at(timestamp: Any) -> str | None:
    if not isinstance(timestamp, (int, float)):
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def _this_session(events: Iterable[Event]) -> list[Event]:
    """The events since the last session start, with messages taken back left out.

    An earlier session (days ago, perhaps about something else) is none of the ticket's
    business.
    """
    current: list[Event] = []
    for event in events:
        if event.get("event") == "session_started":
            current = []
        elif event.get("event") == "rewind":
            # The message was taken back to be relabelled (actions/context.py); it comes again.
            while current and current.pop().get("event") != "user":
                pass
        else:
            current.append(event)
    return current


def transcript(events: Iterable[Event], limit: int = MAX_MESSAGES) -> list[dict]:
    """The current session's last ``limit`` messages as ``{"who", "text", "at"}`` dicts.

    Every text is redacted before it leaves this function: tickets are read and mailed around.
    """
    messages = [
        {
            "who": event["event"],
            "text": _shown(event),
            "at": _at(event.get("timestamp")),
        }
        for event in _this_session(events)
        if event.get("event") in _SPEAKERS
        and isinstance(event.get("text"), str)
        and event["text"].strip()
    ]
    return messages[-limit:]


def session_intents(events: Iterable[Event]) -> list[str]:
    """The intents of the user's messages in the current session, oldest first."""
    users = [event for event in _this_session(events) if event.get("event") == "user"]
    intents = [(event.get("parse_data") or {}).get("intent") or {} for event in users]
    return [intent["name"] for intent in intents if intent.get("name")]


def _typed_outside_the_ticket(events: Iterable[Event]) -> list[Event]:
    """The user's messages that did not answer the ticket's form or its questions."""
    typed: list[Event] = []
    in_form, last_action = False, None
    for event in _this_session(events):
        kind = event.get("event")
        if kind == "active_loop":
            in_form = event.get("name") == _TICKET_FORM
        elif kind == "action" and event.get("name") != "action_listen":
            last_action = event.get("name")
        elif kind == "user" and not in_form and last_action not in _TICKET_QUESTIONS:
            typed.append(event)
    return typed


def recent_user_texts(events: Iterable[Event], count: int) -> list[str]:
    """The user's last ``count`` messages of the session about their problem, redacted.

    The draft quotes these to tell the agent what happened in the user's own words, so
    answers to the ticket (names, numbers, "send it"), buttons and bare replies ("ja", "ok")
    have no place among them.
    """
    typed = [
        event
        for event in _typed_outside_the_ticket(events)
        if isinstance(event.get("text"), str) and not is_bare_reply(event["text"])
    ]
    return [_shown(event) for event in typed[-count:]]
