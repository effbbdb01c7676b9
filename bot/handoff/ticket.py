"""Turning a confirmed form into a ticket, and telling users about their own tickets only."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import InterfaceError, OperationalError

from bot.db import session
from bot.handoff.fields import NO_PHONE
from bot.settings import Settings
from bot.tickets.models import Ticket
from bot.tickets.notifiers import configured_channels
from bot.tickets.store import TicketDraft, create_ticket, tickets_for_conversation

log = logging.getLogger(__name__)

# Pauses between attempts to store a ticket while the database is unreachable: about 7.5 s in
# all, long enough for a restart or a fail-over, short enough that the user is not left waiting.
RETRY_DELAYS_S: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
# Errors of a database that is away (refused, dropped or reset connections), worth a retry;
# anything else (a constraint, a bug) fails at once.
UNREACHABLE_ERRORS = (OperationalError, InterfaceError)


@dataclass(frozen=True)
class FormAnswers:
    name: str
    username: str
    phone: str | None
    summary: str
    contact: str  # "call" or "visit"


@dataclass(frozen=True)
class Submitted:
    reference: str
    created: bool  # False: this draft was sent before (a retry or a double click)


def idempotency_key(conversation_id: str, draft_id: str) -> str:
    """One ticket per offer: the same conversation and draft always give the same ticket."""
    return f"{conversation_id}:{draft_id}"


def submit(
    conversation_id: str,
    draft_id: str,
    channel: str,
    answers: FormAnswers,
    urgent: bool,
    transcript: list[dict],
    now: datetime,
    settings: Settings,
) -> Submitted:
    draft = TicketDraft(
        conversation_id=conversation_id,
        channel=(channel or "unknown")[:32],
        name=answers.name,
        username=answers.username,
        phone=None if answers.phone in (None, NO_PHONE) else answers.phone,
        summary=answers.summary,
        contact_preference=answers.contact,
        urgent=urgent,
        transcript=transcript,
    )
    with session() as db:
        ticket, created = create_ticket(
            db,
            draft,
            idempotency_key(conversation_id, draft_id),
            now,
            configured_channels(settings),
        )
        return Submitted(ticket.reference, created)


async def submit_retrying(
    *args: object, delays: Sequence[float] = RETRY_DELAYS_S, **kwargs: object
) -> Submitted:
    """``submit``, tried again while the database is unreachable, off the event loop.

    The idempotency key makes every attempt safe: an attempt whose commit went through but
    whose answer was lost is found by the next one, never stored twice; such a ticket counts
    as created by this call. Raises the last error when every attempt failed, so the action
    tells the user the truth (not saved, call the servicedesk) and keeps the draft for a retry.
    """
    failed_before = False
    for attempt, delay in enumerate(delays, start=1):
        try:
            sent = await asyncio.to_thread(submit, *args, **kwargs)
        except UNREACHABLE_ERRORS:
            log.warning("Storing a ticket failed (attempt %d); retrying in %.1f s", attempt, delay)
            failed_before = True
            await asyncio.sleep(delay)
            continue
        return Submitted(sent.reference, sent.created or failed_before)
    sent = await asyncio.to_thread(submit, *args, **kwargs)  # the last try: its error is raised
    return Submitted(sent.reference, sent.created or failed_before)


@dataclass(frozen=True)
class StatusAnswer:
    """What utter_ticket_status says: ``view`` picks the variant."""

    view: str  # none, not_yours, open, claimed, resolved
    reference: str | None = None
    others: int = 0  # further tickets of this conversation, not described


def status(conversation_id: str, asked_text: str) -> StatusAnswer:
    """The status of the conversation's ticket that the user asks about, or its newest.

    A reference that is not one of this conversation's tickets gets the same answer whether
    or not it exists: the assistant must not confirm other people's tickets.
    """
    with session() as db:
        own = tickets_for_conversation(db, conversation_id)
        asked = _asked_reference(asked_text)
        if asked is not None:
            matching = [ticket for ticket in own if ticket.id == asked]
            if not matching:
                return StatusAnswer("not_yours")
            ticket = matching[0]
        elif own:
            ticket = own[0]
        else:
            return StatusAnswer("none")
        return StatusAnswer(ticket.status, ticket.reference, len(own) - 1)


def _asked_reference(text: str) -> int | None:
    """The ticket number in "what about MFA-000123?", if the message names one."""
    match = re.search(r"(?i)\bmfa\s*-?\s*(\d{1,10})\b", text or "")
    return Ticket.parse_reference(f"MFA-{match.group(1)}") if match else None
