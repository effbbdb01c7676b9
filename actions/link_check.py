"""The sign-in link check: the verdict comes from bot/link_check; the rule speaks it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.link_check import check_message


class ActionCheckLink(Action):
    def name(self) -> str:
        return "action_check_link"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        verdict = check_message(tracker.latest_message.get("text") or "")
        return [SlotSet("link_verdict", verdict.verdict), SlotSet("link_host", verdict.host)]
