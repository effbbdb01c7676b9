"""Compute the servicedesk's opening status for this moment, for the responses to quote."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.hours import status_sentence
from bot.settings import get_settings


def hours_status_slot() -> dict[str, Any]:
    return SlotSet("hours_status", status_sentence(get_settings().service_hours))


class ActionSetHoursStatus(Action):
    def name(self) -> str:
        return "action_set_hours_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return [hours_status_slot()]
