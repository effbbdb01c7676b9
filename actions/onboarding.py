"""Walkthrough moves: read the state from slots, let bot/onboarding decide, store the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.servicedesk import conversation_language
from bot.onboarding import walkthroughs as w
from bot.onboarding.platform import platform_from_text

MOVES: dict[str, Callable[[w.State, Tracker], w.Outcome]] = {
    "start_walkthrough": lambda s, t: w.start(
        s, next(t.get_latest_entity_values("walkthrough"), None)
    ),
    "request_walkthrough": lambda s, t: w.start(s, None),
    "walkthrough_done": lambda s, t: w.done(s),
    "walkthrough_stuck": lambda s, t: w.stuck(s),
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


def state_from(tracker: Tracker) -> w.State:
    return w.State(
        walkthrough=tracker.get_slot("walkthrough"),
        step=tracker.get_slot("walkthrough_step"),
        status=tracker.get_slot("walkthrough_status"),
        platform=tracker.get_slot("platform"),
    )


def slots_for(outcome: w.Outcome, language: str) -> list[dict[str, Any]]:
    state = outcome.state
    return [
        SlotSet("walkthrough", state.walkthrough),
        SlotSet("walkthrough_step", state.step),
        SlotSet("walkthrough_status", state.status),
        SlotSet("platform", state.platform),
        SlotSet("walkthrough_view", outcome.view),
        SlotSet("walkthrough_progress", outcome.progress(language)),
    ]


class ActionWalkthrough(Action):
    def name(self) -> str:
        return "action_walkthrough"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        move = MOVES.get(intent, lambda s, t: w.resume(s))
        return slots_for(move(state_from(tracker), tracker), conversation_language(tracker))
