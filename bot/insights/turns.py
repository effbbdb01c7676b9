"""The facts of each user message, decided when it is saved (tables.py holds them).

The tracker store calls ``rows_for_turn`` with the events a turn adds, already redacted, and the
events the conversation held before it: what the person said, what it was understood as, what
the assistant did with it (answered, unsure, handed over), what an answer was about, and any
feedback with the answer it was about. The next message of the same person can still tell that
a message was missed: when it says the same again in other words, ``rephrase_of`` marks the
earlier row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot import feedback
from bot.insights.tables import (
    ANSWERED,
    CLARIFIED,
    FEEDBACK,
    HANDOFF,
    SERVICEDESK,
    TICKET,
    TURNS,
)

__all__ = ["TURNS", "rephrase_of", "rows_for_turn"]

FAQ_ANSWER = "utter_faq/"
# Messages that ask nothing: no topic of their own.
SMALL_TALK = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "inform",
        "inform_platform",
        "feedback",
        "nlu_fallback",
        "out_of_scope",
        "choose_topic",
        "change_language",
    }
)
_WORDS = re.compile(r"\w+")
# Words every question shares; two questions alike only in these are not one question twice.
# fmt: off
_FUNCTION_WORDS = frozenset((
    "the", "and", "how", "can", "not", "for", "you", "your", "this", "that", "what", "when",
    "where", "why", "does", "have", "with", "from", "get", "i'm", "its", "are", "was", "will",
    "should", "could", "would", "about", "into", "then", "than", "there", "their", "them",
    "hvordan", "hvad", "hvor", "hvorfor", "kan", "ikke", "jeg", "det", "den", "der", "har",
    "til", "som", "med", "min", "mit", "mine", "skal", "være", "bliver", "når", "hvis", "eller",
    "også",
))
# fmt: on
# How alike two messages must be (shared words / all words) to be one question said twice.
REPHRASE_OVERLAP = 0.34
REPHRASE_WITHIN_SECONDS = 300.0


def _latest_user(events: Sequence[Mapping[str, Any]]) -> int | None:
    """Index of the turn's message as finally read: a relabelled message replaces the first."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "user":
            return index
    return None


def _outcome(after: Iterable[Mapping[str, Any]]) -> str:
    """The worst thing that happened after the message (a ticket is the strongest fact)."""
    found = ANSWERED
    rank = {ANSWERED: 0, FEEDBACK: 1, CLARIFIED: 2, SERVICEDESK: 3, HANDOFF: 4, TICKET: 5}
    for event in after:
        kind, name, value = event.get("event"), event.get("name"), event.get("value")
        now = None
        if kind == "slot" and name == "fallback_stage" and value == "suggest":
            now = CLARIFIED
        elif kind == "slot" and name == "fallback_stage" and value == "servicedesk":
            now = SERVICEDESK
        elif kind == "action" and name == "action_offer_handoff":
            now = HANDOFF
        elif kind == "slot" and name == "ticket_outcome" and value == "created":
            now = TICKET
        elif kind == "slot" and name == feedback.SLOT and value:
            now = FEEDBACK
        if now is not None and rank[now] > rank[found]:
            found = now
    return found


def _topic(intent: str, after: Sequence[Mapping[str, Any]]) -> str | None:
    """What the reply was about: the FAQ answer given, the walkthrough begun, else the intent."""
    for event in after:
        action = (event.get("metadata") or {}).get("utter_action") or ""
        if event.get("event") == "bot" and action.startswith(FAQ_ANSWER):
            return "faq/" + action[len(FAQ_ANSWER) :]
    for event in after:
        if (
            event.get("event") == "slot"
            and event.get("name") == "walkthrough"
            and event.get("value")
        ):
            return f"walkthrough/{event['value']}"
    return None if intent in SMALL_TALK else intent


def _feedback(after: Iterable[Mapping[str, Any]]) -> tuple[bool | None, int | None]:
    """(helpful, rating) from the feedback slot the feedback action set this turn."""
    for event in after:
        if event.get("event") == "slot" and event.get("name") == feedback.SLOT:
            value = str(event.get("value") or "")
            if value in ("yes", "no"):
                return value == "yes", None
            if value.isdigit() and 1 <= int(value) <= 5:
                return None, int(value)
    return None, None


def _words(text: str) -> set[str]:
    return {
        word
        for word in _WORDS.findall(text.lower())
        if len(word) > 2 and word not in _FUNCTION_WORDS
    }


def rephrase_of(previous: Mapping[str, Any] | None, latest: Mapping[str, Any]) -> bool:
    """Is ``latest`` the person's ``previous`` message said again in other words?

    Both typed, close in time, different, and sharing enough of their longer words; a second
    question on another subject shares few.
    """
    if previous is None:
        return False
    before, now = str(previous.get("text") or ""), str(latest.get("text") or "")
    if not before or not now or before.startswith("/") or now.startswith("/"):
        return False
    if before.strip().lower() == now.strip().lower():
        return False
    gap = float(latest.get("timestamp") or 0) - float(previous.get("timestamp") or 0)
    if gap > REPHRASE_WITHIN_SECONDS:
        return False
    a, b = _words(before), _words(now)
    return bool(a and b) and len(a & b) / len(a | b) >= REPHRASE_OVERLAP


def rows_for_turn(
    sender_id: str,
    before: Sequence[Mapping[str, Any]],
    new: Sequence[Mapping[str, Any]],
    channel: str | None,
    language: str | None,
    zone: ZoneInfo,
) -> list[dict[str, Any]]:
    """The insight_turns row of the turn's message (none for a turn without one)."""
    index = _latest_user(new)
    if index is None:
        return []
    message, after = new[index], new[index + 1 :]
    parse = message.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
    confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
    text = str(message.get("text") or "")
    at = datetime.fromtimestamp(float(message.get("timestamp") or 0), timezone.utc)
    local = at.astimezone(zone)
    outcome = _outcome(after)
    helpful, rating = _feedback(after)
    request = feedback.request_before(before) if outcome == FEEDBACK else None
    topic = request.target if request else _topic(intent, after)
    return [
        {
            "sender_id": sender_id,
            "at": at,
            "day": local.date(),
            "hour": local.hour,
            "weekday": local.weekday(),
            "channel": (channel or "other")[:16],
            "language": (language or "en")[:8],
            "text": text,
            "typed": not text.startswith("/"),
            "intent": intent[:80],
            "confidence": confidence,
            "topic": topic[:80] if topic else None,
            "outcome": outcome,
            "helpful": helpful,
            "rating": rating,
            "rephrased": False,
        }
    ]
