"""Compute the servicedesk's opening status for this moment, for the responses to quote."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.hours import status_sentence
from bot.locales import supported, texts
from bot.settings import get_settings


def conversation_language(tracker: Tracker) -> str:
    """The language this conversation is held in (the language slot; English if unset)."""
    return supported(tracker.get_slot("language"))


def hours_status_slot(tracker: Tracker) -> dict[str, Any]:
    """Open now or when next, as a sentence in the conversation's language."""
    phrases = texts("hours", conversation_language(tracker))
    return SlotSet("hours_status", status_sentence(get_settings().service_hours, phrases=phrases))


class ActionSetHoursStatus(Action):
    def name(self) -> str:
        return "action_set_hours_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return [hours_status_slot(tracker)]
