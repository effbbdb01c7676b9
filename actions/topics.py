"""Answer a topic picked from a button (greeting menu, help menu, fallback suggestions)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionAnswerTopic(Action):
    """Buttons carry a topic entity, not text, so the answer cannot come from the selector."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        topic = next(tracker.get_latest_entity_values("topic"), None)
        answer = f"utter_faq/{topic}"
        if topic and answer in (domain.get("responses") or {}):
            dispatcher.utter_message(response=answer)
        else:
            dispatcher.utter_message(response="utter_help")
        return []
