"""Feedback on an answer, a walkthrough or a ticket: record it and choose the reply."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.servicedesk import conversation_language
from bot import feedback
from bot.fallback import suggestion_slots, topic_titles


class ActionFeedback(Action):
    """Sets the feedback (the insights read it from the stored turn) and which reply
    utter_feedback_reply gives: a "no" gets the question's other likeliest topics and the
    servicedesk, a low rating the servicedesk's number; the rule speaks."""

    def name(self) -> str:
        return "action_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        before = feedback.events_before_latest_message(tracker.events)
        request = feedback.request_before(before)
        kind = request.kind if request else feedback.kind_of(tracker.latest_message)
        value = feedback.value_of(tracker.latest_message, kind)
        reply = feedback.reply_to(value)
        events: list[dict[str, Any]] = [SlotSet(feedback.REPLY_SLOT, reply)]
        if value is not None:
            events.append(SlotSet(feedback.SLOT, value))
        if value == "no":
            titles = topic_titles(domain, conversation_language(tracker))
            rated = [request.target] if request else []
            slots = suggestion_slots(feedback.question_before(before), titles, exclude=rated)
            events += [SlotSet(name, slot_value) for name, slot_value in slots.items()]
        return events
