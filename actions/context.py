"""Relabel the latest message with what it meant in context (bot/rasa_ext/context_policy.py
decided)."""

from __future__ import annotations

import copy
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, UserUtteranceReverted, UserUttered
from rasa_sdk.executor import CollectingDispatcher

from bot.context_reading import relabelled


class ActionReadInContext(Action):
    """Take the message back and say it again with the intent it meant, as Rasa's two-stage
    fallback does after a clarification; the rules then answer it as that intent."""

    def name(self) -> str:
        return "action_read_in_context"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reading = tracker.get_slot("context_reading")
        message = copy.deepcopy(tracker.latest_message)
        if not reading or not message.get("text"):
            return []
        return [
            UserUtteranceReverted(),
            ActionExecuted("action_listen"),
            UserUttered(
                message["text"],
                parse_data=relabelled(message, reading),
                input_channel=tracker.get_latest_input_channel(),
            ),
        ]
