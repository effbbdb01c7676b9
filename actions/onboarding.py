"""Walkthrough moves: read the state from slots, let bot/onboarding decide, store the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

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
    "no_method_left": lambda s, t: w.start(s, "lost_phone"),
    "inform_platform": lambda s, t: w.set_platform(
        s,
        next(t.get_latest_entity_values("platform"), None)
        or platform_from_text(t.latest_message.get("text") or ""),
    ),
}


def last_topic(events: list[dict[str, Any]]) -> str | None:
    """The topic of the session's latest answered question or picked topic button."""
    for event in reversed(events):
        if event.get("event") == "session_started":
            return None
        parse_data = event.get("parse_data") or {} if event.get("event") == "user" else {}
        intent = parse_data.get("intent") or {}
        topic = intent.get("full_retrieval_intent_name") or next(
            (
                e.get("value")
                for e in parse_data.get("entities") or []
                if e.get("entity") == "topic"
            ),
            None,
        )
        if topic:
            return topic
    return None


def platform_said(events: list[dict[str, Any]]) -> str | None:
    """The phone the user named earlier in the session ("my iphone is new"), newest first, so
    a walkthrough does not ask what the user already told."""
    for event in reversed(events):
        if event.get("event") == "session_started":
            return None
        if event.get("event") == "user":
            found = platform_from_text(event.get("text") or "")
            if found:
                return found
    return None


def state_from(tracker: Tracker) -> w.State:
    return w.State(
        walkthrough=tracker.get_slot("walkthrough"),
        step=tracker.get_slot("walkthrough_step"),
        status=tracker.get_slot("walkthrough_status"),
        platform=tracker.get_slot("platform") or platform_said(tracker.events),
    )


def slots_for(outcome: w.Outcome) -> list[dict[str, Any]]:
    """The new state; bot/nlg.py words its progress line in the language of each reply."""
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
        return slots_for(move(state_from(tracker), tracker))
