"""The two-stage fallback: decide the stage and fill the suggestion slots; rules speak."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.servicedesk import conversation_language, hours_status_slot
from bot.fallback import is_second_miss, suggestion_slots, topic_titles


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if is_second_miss(tracker.events):
            return [SlotSet("fallback_stage", "servicedesk"), hours_status_slot(tracker)]
        slots = suggestion_slots(
            tracker.latest_message, topic_titles(domain, conversation_language(tracker))
        )
        return [SlotSet("fallback_stage", "suggest")] + [
            SlotSet(name, value) for name, value in slots.items()
        ]
