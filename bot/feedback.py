"""Feedback from the people the assistant answers: "Did this help?" and a 1-5 rating.

An FAQ answer carries two small buttons (helpful / not helpful); a finished walkthrough and a
created ticket ask for a rating from 1 to 5. The response generator adds them
(``ask_for_feedback``, called by bot/rasa_ext/nlg.py), so every channel shows them and no
response text has to repeat them. What the request is about travels in the bot message's
metadata (``feedback_for``, ``feedback_kind``), which channels do not send but the tracker store
keeps: the feedback action, the context reading of a typed "yes"/"4", and the insights
(bot/insights/turns.py) all find it there with ``request_before``.

Nothing waits for an answer: the buttons stay on the answer, and the next question is read as a
question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.locales import text as locale_text

FEEDBACK_FOR = "feedback_for"
FEEDBACK_KIND = "feedback_kind"
HELPFUL, RATING = "helpful", "rating"
INTENT = "feedback"
SLOT = "feedback_given"  # "yes", "no" or "1".."5": what the person said, for the insights
FAQ_ANSWER = "utter_faq/"
WALKTHROUGH = "utter_walkthrough"
FINISHED_VIEW = "finished."
TICKET_CREATED = "utter_ticket_created"

_NO = re.compile(
    r"\b(no|nope|not|didn'?t|doesn'?t|wasn'?t|isn'?t|useless|wrong|nej|ikke|forkert|ubrugelig)\b"
    r"|n't\b|👎",
    re.I,
)
_YES = re.compile(
    r"\b(yes|yeah|yep|helped|helpful|useful|great|perfect|thanks|ja|jep|hjalp|brugbar\w*|"
    r"super|tak)\b|👍",
    re.I,
)
# "4", "4/5", "4 stars", "fire", "five": a rating typed instead of pressed.
_RATING_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "en": 1, "et": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5,
}  # fmt: skip
_RATING = re.compile(
    r"\W*(?P<value>[1-5]|" + "|".join(_RATING_WORDS) + r")"
    r"\s*(/\s*5|out of 5|ud af 5|stars?|stjerner?|\*+|⭐+)?\W*",
    re.I,
)


@dataclass(frozen=True)
class Request:
    """A request for feedback the assistant made: about what, and which kind."""

    target: str  # "faq/lost_phone", "walkthrough/first_setup", "ticket"
    kind: str  # HELPFUL or RATING


def request_for(
    utter_action: str, slots: Mapping[str, Any], response: Mapping[str, Any]
) -> Request | None:
    """The feedback a response should ask for, if any."""
    if utter_action.startswith(FAQ_ANSWER):
        return Request("faq/" + utter_action[len(FAQ_ANSWER) :], HELPFUL)
    view = str(slots.get("walkthrough_view") or "")
    if utter_action == WALKTHROUGH and view.startswith(FINISHED_VIEW):
        return Request("walkthrough/" + view[len(FINISHED_VIEW) :], RATING)
    if utter_action == TICKET_CREATED and slots.get("ticket_outcome") == "created":
        return Request("ticket", RATING)
    return None


def payload(kind: str, value: str) -> str:
    return "/" + INTENT + json.dumps({kind: value})


def ask_for_feedback(
    utter_action: str, response: dict[str, Any], slots: Mapping[str, Any], language: str
) -> dict[str, Any]:
    """The response with its feedback buttons (and the rating's question) added, if it asks."""
    request = request_for(utter_action, slots, response)
    if request is None:
        return response
    buttons = list(response.get("buttons") or [])
    text = response.get("text") or ""
    if request.kind == HELPFUL:
        buttons += [
            {
                "title": locale_text("feedback.helpful_yes", language),
                "payload": payload(HELPFUL, "yes"),
            },
            {
                "title": locale_text("feedback.helpful_no", language),
                "payload": payload(HELPFUL, "no"),
            },
        ]
    else:
        text = f"{text}\n\n{locale_text('feedback.rate', language)}".strip()
        buttons += [{"title": str(n), "payload": payload(RATING, str(n))} for n in range(1, 6)]
    return {
        **response,
        "text": text,
        "buttons": buttons,
        FEEDBACK_FOR: request.target,
        FEEDBACK_KIND: request.kind,
    }


def request_before(events: Sequence[Mapping[str, Any]]) -> Request | None:
    """The request for feedback in the reply to the person's latest message in ``events``.

    Only that reply counts: a "yes" two questions later is about the latest answer, or nothing.
    ``events`` are event dicts, oldest first, ending before the message being read.
    """
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            return None
        metadata = event.get("metadata") or {}
        if kind == "bot" and metadata.get(FEEDBACK_FOR):
            return Request(str(metadata[FEEDBACK_FOR]), str(metadata.get(FEEDBACK_KIND) or HELPFUL))
    return None


def typed_rating(text: str) -> int | None:
    """A rating typed alone ("4", "4/5", "fem stjerner"), else None."""
    found = _RATING.fullmatch(text or "")
    if not found:
        return None
    value = found.group("value").lower()
    return int(value) if value.isdigit() else _RATING_WORDS[value]


def typed_helpful(text: str) -> bool | None:
    """Yes or no to "did this help?" in the person's words; None when it says neither."""
    if _NO.search(text or ""):
        return False
    if _YES.search(text or ""):
        return True
    return None


def value_of(parse_data: Mapping[str, Any], kind: str) -> str | None:
    """The feedback a message gives: a button's entity, else its words; None if unclear."""
    for entity in parse_data.get("entities") or []:
        name, value = entity.get("entity"), str(entity.get("value") or "")
        if name == HELPFUL and value in ("yes", "no"):
            return value
        if name == RATING and value.isdigit() and 1 <= int(value) <= 5:
            return value
    words = str(parse_data.get("text") or "")
    if kind == RATING:
        rating = typed_rating(words)
        return str(rating) if rating is not None else None
    helpful = typed_helpful(words)
    return None if helpful is None else ("yes" if helpful else "no")


LOW_RATING = 2  # a rating this low or lower gets the servicedesk's number with the thanks


def events_before_latest_message(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """``events`` up to (not including) the person's latest message."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "user":
            return list(events[:index])
    return []


def question_before(before: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The parse data of the message whose answer the feedback is about ({} if none)."""
    for event in reversed(before):
        if event.get("event") == "user":
            return event.get("parse_data") or {}
    return {}


def kind_of(parse_data: Mapping[str, Any]) -> str:
    """Feedback given with no request before it: a rating if it names one, else helpfulness."""
    entities = {entity.get("entity") for entity in parse_data.get("entities") or []}
    if RATING in entities or typed_rating(str(parse_data.get("text") or "")) is not None:
        return RATING
    return HELPFUL


REPLY_SLOT = "feedback_reply"


def reply_to(value: str | None) -> str | None:
    """Which variant of utter_feedback_reply answers the feedback (None: a plain thanks)."""
    if value == "yes":
        return "glad"
    if value == "no":
        return "sorry"
    if value is None:
        return None
    return "rated_low" if int(value) <= LOW_RATING else "rated"
