"""The practice QR check: thin wrappers around bot/onboarding/practice_flow."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.servicedesk import conversation_language
from bot.onboarding.practice_flow import begin, verify
from bot.settings import get_settings


def now() -> datetime:
    return datetime.now(timezone.utc)


class ActionPracticeStart(Action):
    def name(self) -> str:
        return "action_practice_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        ttl = timedelta(minutes=get_settings().practice_ttl_minutes)
        display = begin(tracker.sender_id, now(), ttl)
        return [
            SlotSet("practice_qr_image", display.image),
            SlotSet("practice_key", display.key),
            SlotSet("practice_link", display.link),
        ]


class ActionPracticeCheck(Action):
    def name(self) -> str:
        return "action_practice_check"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        verdict = verify(tracker.sender_id, tracker.latest_message.get("text") or "", now())
        events = [SlotSet("practice_feedback", verdict.feedback)]
        events.append(SlotSet("practice_drift", verdict.drift(conversation_language(tracker))))
        if verdict.feedback in ("ok", "drift", "none_active"):
            # Done with this code: what it showed is no longer needed in the conversation.
            events += [
                SlotSet(name, None)
                for name in ("practice_qr_image", "practice_key", "practice_link")
            ]
        return events
