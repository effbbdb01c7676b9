"""Handoff to the servicedesk: offer, ticket form, ticket, status (logic in bot/handoff)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.servicedesk import conversation_language, hours_status_slot
from bot.conversation_history import whole_session
from bot.handoff import fields, reasons
from bot.handoff.ticket import FormAnswers, status, submit_retrying
from bot.handoff.transcript import recent_user_texts, session_intents, transcript
from bot.settings import get_settings

log = logging.getLogger(__name__)

FORM_SLOTS = ("ticket_name", "ticket_username", "ticket_phone", "ticket_summary", "ticket_contact")
DRAFT_SLOTS = ("handoff_reason", "ticket_draft_id", "ticket_summary_draft")
Events = list[dict[str, Any]]


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _cleared(names: tuple[str, ...]) -> Events:
    return [SlotSet(name, None) for name in names]


class ActionOfferHandoff(Action):
    """Start a fresh ticket draft: why a person is needed, and "what happened" proposed."""

    def name(self) -> str:
        return "action_offer_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        session = whole_session(tracker.sender_id, tracker.events)
        reason = reasons.reason_for(
            _intent(tracker), tracker.latest_action_name, session_intents(session)
        )
        said = recent_user_texts(session, reasons.QUOTED_MESSAGES)
        events = _cleared((*FORM_SLOTS, "ticket_problem", "ticket_reference", "ticket_outcome"))
        events += [
            SlotSet("handoff_reason", reason),
            SlotSet("ticket_draft_id", uuid.uuid4().hex),
            SlotSet(
                "ticket_summary_draft",
                reasons.summary_draft(reason, said, conversation_language(tracker)),
            ),
            SlotSet("ruc_email_domain", get_settings().ruc_email_domain),
            hours_status_slot(tracker),
        ]
        typed = [e.get("text") or "" for e in session if e.get("event") == "user"]
        events += [SlotSet(slot, value) for slot, value in fields.given_up_front(typed).items()]
        return events


class ValidateTicketForm(FormValidationAction):
    """Each answer is checked in bot/handoff/fields; a problem picks the question's variant."""

    def name(self) -> str:
        return "validate_ticket_form"

    @staticmethod
    def _result(
        slot: str, value: Any, tracker: Tracker, check: Callable[[], fields.Checked]
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != slot:
            # Rasa validates filled slots again when the form restarts for a correction; they
            # were checked when given, and the message now ("change my e-mail") is not theirs.
            return {slot: value}
        checked = check()
        return {slot: checked.value, "ticket_problem": checked.problem}

    def validate_ticket_name(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        intent = tracker.latest_message.get("intent") or {}
        answered = fields.looks_like_an_answer(intent.get("name"), intent.get("confidence") or 0)
        return self._result(
            "ticket_name", value, tracker, lambda: fields.check_name(value, answered)
        )

    def validate_ticket_username(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        domain_name = get_settings().ruc_email_domain
        return self._result(
            "ticket_username", value, tracker, lambda: fields.check_username(value, domain_name)
        )

    def validate_ticket_phone(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        declined = _intent(tracker) == "deny"
        return self._result(
            "ticket_phone", value, tracker, lambda: fields.check_phone(value, declined)
        )

    def validate_ticket_summary(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        keep, draft = _intent(tracker) == "affirm", tracker.get_slot("ticket_summary_draft")
        return self._result(
            "ticket_summary", value, tracker, lambda: fields.check_summary(value, keep, draft)
        )

    def validate_ticket_contact(self, value: Any, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._result("ticket_contact", value, tracker, lambda: fields.check_contact(value))


class ActionTicketChange(Action):
    """Apply the correction the message carries, or empty the field so the form asks again."""

    def name(self) -> str:
        return "action_ticket_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        field = next(tracker.get_latest_entity_values("ticket_field"), None)
        if field not in FORM_SLOTS:
            return [SlotSet("ticket_problem", None), SlotSet("ticket_field", None)]
        text, domain_name = tracker.latest_message.get("text"), get_settings().ruc_email_domain
        found = fields.correction_in(text, field, domain_name) or fields.Checked(None)
        return [
            SlotSet("ticket_problem", found.problem),
            SlotSet("ticket_field", None),
            SlotSet(field, found.value),
        ]


class ActionTicketReset(Action):
    """Cancel: forget the draft and every answer, so nothing half-filled lingers."""

    def name(self) -> str:
        return "action_ticket_reset"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        return _cleared(FORM_SLOTS + DRAFT_SLOTS + ("ticket_problem", "requested_slot"))


class ActionCreateTicket(Action):
    """Store the confirmed ticket (once per draft, however often this runs) and say what next."""

    def name(self) -> str:
        return "action_create_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        values = {name: tracker.get_slot(name) for name in FORM_SLOTS}
        draft_id = tracker.get_slot("ticket_draft_id")
        if not draft_id or any(values[name] is None for name in FORM_SLOTS):
            return [SlotSet("ticket_outcome", "no_draft"), hours_status_slot(tracker)]
        answers = FormAnswers(
            name=values["ticket_name"],
            username=values["ticket_username"],
            phone=values["ticket_phone"],
            summary=values["ticket_summary"],
            contact=values["ticket_contact"],
        )
        try:
            # Retried for a few seconds while the database is away; one ticket per draft.
            sent = await submit_retrying(
                conversation_id=tracker.sender_id,
                draft_id=draft_id,
                channel=tracker.get_latest_input_channel() or "unknown",
                answers=answers,
                urgent=reasons.is_urgent(tracker.get_slot("handoff_reason") or ""),
                transcript=transcript(whole_session(tracker.sender_id, tracker.events)),
                now=datetime.now(timezone.utc),
                settings=get_settings(),
            )
        except Exception:  # the database is down: tell the user how to reach a person anyway
            # The draft stays: "yes" again (the rule after utter_ticket_created) sends it anew.
            log.exception("Could not store the ticket")
            return [SlotSet("ticket_outcome", "failed"), hours_status_slot(tracker)]
        outcome = "created" if sent.created else "already_sent"
        return [
            SlotSet("ticket_reference", sent.reference),
            SlotSet("ticket_outcome", outcome),
            hours_status_slot(tracker),
        ]


class ActionTicketStatus(Action):
    """The status of the user's own ticket (tickets are found by this conversation only)."""

    def name(self) -> str:
        return "action_ticket_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        try:
            answer = status(tracker.sender_id, tracker.latest_message.get("text") or "")
        except Exception:
            log.exception("Could not look up tickets")
            return [SlotSet("ticket_status_view", "unavailable"), hours_status_slot(tracker)]
        return [
            SlotSet("ticket_status_view", answer.view),
            SlotSet("ticket_status_reference", answer.reference),
            hours_status_slot(tracker),
        ]
