"""Walkthrough moves: read the state from slots, let bot/onboarding decide, store the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.context_reading import topic_of
from bot.onboarding import said_before
from bot.onboarding import walkthroughs as w
from bot.onboarding.platform import platform_from_text

MOVES: dict[str, Callable[[w.State, Tracker], w.Outcome]] = {
    "start_walkthrough": lambda s, t: w.start(
        s, next(t.get_latest_entity_values("walkthrough"), None)
    ),
    "request_walkthrough": lambda s, t: w.start(s, w.walkthrough_for_topic(last_topic(t.events))),
    "walkthrough_done": lambda s, t: w.done(s),
    "walkthrough_stuck": lambda s, t: w.stuck(
        s, helped_already=(t.get_slot("walkthrough_view") or "").startswith("help.")
    ),
    "walkthrough_back": lambda s, t: w.back(
        s, after_help=(t.get_slot("walkthrough_view") or "").startswith("help.")
    ),
    "walkthrough_stop": lambda s, t: w.stop(s),
    "walkthrough_resume": lambda s, t: w.resume(s),
    "affirm": lambda s, t: w.answer(s, True),
    "deny": lambda s, t: w.answer(s, False),
    # "Nothing works": ask once whether another method is left before handing over.
    "no_method_left": lambda s, t: nothing_left(s),
    "inform_platform": lambda s, t: w.set_platform(
        s,
        next(t.get_latest_entity_values("platform"), None)
        or platform_from_text(t.latest_message.get("text") or ""),
    ),
}


def nothing_left(state: w.State) -> w.Outcome:
    """ "I have no other way" answers the lost-phone question when it is showing; otherwise
    the question comes first (what the user said may answer it at once)."""
    current = state.current
    at_question = (
        current and state.status == w.ACTIVE and current.steps[current.index(state.step)].question
    )
    return w.answer(state, False) if at_question else w.start(state, "lost_phone")


def last_topic(events: list[dict[str, Any]]) -> str | None:
    """The topic of the session's latest answered question or picked topic button."""
    for event in reversed(events):
        if event.get("event") == "session_started":
            return None
        topic = topic_of(event.get("parse_data") or {}) if event.get("event") == "user" else None
        if topic:
            return topic
    return None


def session_texts(events: list[dict[str, Any]]) -> list[str]:
    """What the user typed in the current session, oldest first (button payloads left out)."""
    texts: list[str] = []
    for event in events:
        if event.get("event") == "session_started":
            texts = []
        elif event.get("event") == "user" and not (event.get("text") or "/").startswith("/"):
            texts.append(event["text"])
    return texts


def state_from(tracker: Tracker) -> w.State:
    return w.State(
        walkthrough=tracker.get_slot("walkthrough"),
        step=tracker.get_slot("walkthrough_step"),
        status=tracker.get_slot("walkthrough_status"),
        platform=tracker.get_slot("platform")
        or said_before.platform_in(session_texts(tracker.events)),
    )


def skip_what_was_said(before: w.State, outcome: w.Outcome, texts: list[str]) -> w.Outcome:
    """A yes/no step the move just arrived at, answered by what the user said earlier
    ("the old one still works"), is answered at once instead of asked."""
    state = outcome.state
    arrived = (before.walkthrough, before.step, before.status) != (
        state.walkthrough,
        state.step,
        state.status,
    )
    current = state.current
    if not arrived or state.status != w.ACTIVE or current is None:
        return outcome
    if not current.steps[current.index(state.step)].question:
        return outcome
    said = said_before.answer_to(state.step, texts)
    return outcome if said is None else w.answer(state, said)


def slots_for(outcome: w.Outcome) -> list[dict[str, Any]]:
    """The new state; bot/rasa_ext/nlg.py words its progress line in the language of each reply."""
    state = outcome.state
    return [
        SlotSet("walkthrough", state.walkthrough),
        SlotSet("walkthrough_step", state.step),
        SlotSet("walkthrough_status", state.status),
        SlotSet("platform", state.platform),
        SlotSet("walkthrough_view", outcome.view),
    ]


class ActionWalkthrough(Action):
    def name(self) -> str:
        return "action_walkthrough"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        move = MOVES.get(intent, lambda s, t: w.resume(s))
        before = state_from(tracker)
        outcome = skip_what_was_said(before, move(before, tracker), session_texts(tracker.events))
        return slots_for(outcome)
