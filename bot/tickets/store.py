"""Creating and working servicedesk tickets, with an audit event for every step.

Each function commits, like the practice store: a ticket the user was promised must not hang on
a forgotten commit, and the console's every click is a complete step. A ticket, its "created"
event and its outbox messages are written in ONE transaction, so a ticket can never exist
without the notifications that tell the servicedesk about it (nor the other way round).
"""

from __future__ import annotations

import hashlib
import json
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import conversation_key
from bot.tickets.models import (
    CHANNELS,
    CONTACT_PREFERENCES,
    STATUSES,
    OutboxMessage,
    Ticket,
    TicketEvent,
)

log = logging.getLogger(__name__)

ASSISTANT = "assistant"
_AGENT_PREFIX = "agent:"
_ACTOR_CHARS = 100
# Column sizes of the short fields: checked up front so SQLite (which would store anything)
# and PostgreSQL (which would raise mid-transaction) refuse the same drafts the same way.
_LIMITS = {"channel": 32, "name": 200, "username": 200, "phone": 40}


class TicketStateError(ValueError):
    """The step does not fit the ticket's status (e.g. resolving a resolved ticket)."""


@dataclass(frozen=True)
class TicketDraft:
    """What the assistant collected; the transcript is already redacted by the caller."""

    conversation_id: str
    channel: str
    name: str
    username: str
    phone: str | None
    summary: str
    contact_preference: str
    urgent: bool = False
    transcript: list[dict] = field(default_factory=list)


def _check_draft(draft: TicketDraft, idempotency_key: str, channels: Sequence[str]) -> None:
    if not idempotency_key:
        raise ValueError("idempotency_key must not be empty")
    if draft.contact_preference not in CONTACT_PREFERENCES:
        raise ValueError(f"contact_preference must be one of {CONTACT_PREFERENCES}")
    unknown = set(channels) - set(CHANNELS)
    if unknown:
        raise ValueError(f"unknown delivery channels: {sorted(unknown)}")
    for name, limit in _LIMITS.items():
        value = getattr(draft, name)
        if value is not None and len(value) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
    for name in ("conversation_id", "name", "username", "summary"):
        if not getattr(draft, name).strip():
            raise ValueError(f"{name} must not be empty")


def stored_idempotency_key(idempotency_key: str) -> str:
    """What the table keeps of the caller's key: its sha256 hex.

    Callers naturally build keys from the sender id (``f"{sender_id}:{message_id}"``); hashing
    keeps the promise that no raw conversation id is stored, whatever the caller passes.
    """
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()


def _by_idempotency_key(session: Session, idempotency_key: str) -> Ticket | None:
    stored = stored_idempotency_key(idempotency_key)
    return session.execute(
        select(Ticket).where(Ticket.idempotency_key == stored)
    ).scalar_one_or_none()


def _event(ticket: Ticket, actor: str, kind: str, detail: str, now: datetime) -> TicketEvent:
    return TicketEvent(ticket_id=ticket.id, at=now, actor=actor, kind=kind, detail=detail)


def _actor(agent: str) -> str:
    actor = f"{_AGENT_PREFIX}{agent}"
    if not agent.strip() or len(actor) > _ACTOR_CHARS:
        raise ValueError(f"agent must be 1 to {_ACTOR_CHARS - len(_AGENT_PREFIX)} characters")
    return actor


def create_ticket(
    session: Session,
    draft: TicketDraft,
    idempotency_key: str,
    now: datetime,
    channels: Sequence[str],
) -> tuple[Ticket, bool]:
    """The ticket for ``idempotency_key`` and whether this call created it.

    Rasa may run the same action twice (a retry, a double click), and two action-server
    threads may race: the unique idempotency key lets exactly one insert win, and every other
    call gets that ticket back with ``created`` False and queues nothing.
    """
    _check_draft(draft, idempotency_key, channels)
    existing = _by_idempotency_key(session, idempotency_key)
    if existing is not None:
        return existing, False

    ticket = Ticket(
        conversation_key=conversation_key(draft.conversation_id),
        idempotency_key=stored_idempotency_key(idempotency_key),
        channel=draft.channel,
        name=draft.name.strip(),
        username=draft.username.strip(),
        phone=(draft.phone or "").strip() or None,
        summary=draft.summary.strip(),
        contact_preference=draft.contact_preference,
        urgent=bool(draft.urgent),
        status="open",
        transcript=json.dumps(list(draft.transcript), ensure_ascii=False),
        created_at=now,
        updated_at=now,
        identity_verified=False,
    )
    session.add(ticket)
    try:
        session.flush()  # assigns the id the event and outbox rows refer to
        queued = list(dict.fromkeys(channels))  # one message per channel, even if named twice
        session.add(_event(ticket, ASSISTANT, "created", _created_detail(queued), now))
        session.add_all(
            OutboxMessage(
                ticket_id=ticket.id,
                channel=channel,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            for channel in queued
        )
        session.commit()
    except IntegrityError:
        # Another session committed the same key first: theirs is the ticket.
        session.rollback()
        existing = _by_idempotency_key(session, idempotency_key)
        if existing is None:
            raise
        return existing, False
    log.info("Ticket %s created (channels: %s)", ticket.reference, ", ".join(channels) or "none")
    return ticket, True


def _created_detail(channels: Sequence[str]) -> str:
    if not channels:
        return "Created by the assistant; no delivery channel configured (console only)."
    return f"Created by the assistant; queued for: {', '.join(channels)}."


def tickets_for_conversation(session: Session, conversation_id: str) -> list[Ticket]:
    """The conversation's tickets, newest first (so the assistant can quote the latest)."""
    query = (
        select(Ticket)
        .where(Ticket.conversation_key == conversation_key(conversation_id))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    )
    return list(session.execute(query).scalars())


def get_by_reference(session: Session, reference: str) -> Ticket | None:
    """The ticket a reference such as ``MFA-000123`` names; None for garbage or no such ticket."""
    ticket_id = Ticket.parse_reference(reference)
    return None if ticket_id is None else session.get(Ticket, ticket_id)


def _folded(value: str) -> str:
    """Text as a search compares it: Danish names must match in any case on any backend."""
    return unicodedata.normalize("NFKC", value).casefold()


def _search_id(term: str) -> int | None:
    """The ticket id a search term names: ``MFA-000123``, or just ``123`` / ``000123``."""
    ticket_id = Ticket.parse_reference(term)
    if ticket_id is None and term.isascii() and term.isdigit():
        ticket_id = Ticket.parse_reference(f"MFA-{term}")
    return ticket_id


def list_tickets(
    session: Session, status: str | None = None, search: str | None = None, limit: int = 200
) -> list[Ticket]:
    """Tickets for the console, newest first, optionally of one status and matching ``search``.

    The search matches the reference (``MFA-000123``, or its number ``123``/``000123``), and
    name and username case-insensitively, as an agent types whatever the caller says. Names
    are compared in Python: SQLite's lower() only folds ASCII (and PostgreSQL's depends on the
    database's locale), and "ørsted" must find "Ørsted". Only ids, names and usernames are
    read for that, which stays cheap for the few thousand tickets a servicedesk has per year.
    """
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    newest_first = (Ticket.created_at.desc(), Ticket.id.desc())
    query = select(Ticket)
    if status is not None:
        query = query.where(Ticket.status == status)
    term = (search or "").strip()
    if not term:
        return list(session.execute(query.order_by(*newest_first).limit(limit)).scalars())

    needle, wanted_id = _folded(term), _search_id(term)
    candidates = select(Ticket.id, Ticket.name, Ticket.username).order_by(*newest_first)
    if status is not None:
        candidates = candidates.where(Ticket.status == status)
    matches: list[int] = []
    for ticket_id, name, username in session.execute(candidates):
        if ticket_id == wanted_id or needle in _folded(name) or needle in _folded(username):
            matches.append(ticket_id)
            if len(matches) >= limit:
                break
    if not matches:
        return []
    found = session.execute(select(Ticket).where(Ticket.id.in_(matches))).scalars()
    by_id = {ticket.id: ticket for ticket in found}
    return [by_id[ticket_id] for ticket_id in matches]


def claim(session: Session, ticket: Ticket, agent: str, now: datetime) -> None:
    """The agent takes the ticket; taking it over from a colleague is allowed and logged."""
    actor = _actor(agent)
    if ticket.status == "resolved":
        raise TicketStateError(f"{ticket.reference} is already resolved")
    previous = ticket.claimed_by
    ticket.status = "claimed"
    ticket.claimed_by = agent
    ticket.updated_at = now
    detail = f"Taken over from {previous}." if previous and previous != agent else ""
    session.add(_event(ticket, actor, "claimed", detail, now))
    session.commit()


def add_note(session: Session, ticket: Ticket, agent: str, text: str, now: datetime) -> None:
    """A free-text note in the audit log (what was tried, when the person will come by)."""
    actor = _actor(agent)
    if not text.strip():
        raise ValueError("a note must not be empty")
    ticket.updated_at = now
    session.add(_event(ticket, actor, "note", text.strip(), now))
    session.commit()


def resolve(
    session: Session,
    ticket: Ticket,
    agent: str,
    identity_verified: bool,
    note: str,
    now: datetime,
) -> None:
    """Close the ticket, recording whether the agent checked the person's photo ID.

    ``identity_verified`` has no default and must be a real bool: the audit log is where the
    servicedesk shows that nobody's MFA was changed without an ID check, so a forgotten or
    mistyped argument must fail rather than be recorded as either answer.
    """
    actor = _actor(agent)
    if not isinstance(identity_verified, bool):
        raise TypeError("identity_verified must be stated as True or False")
    if ticket.status == "resolved":
        raise TicketStateError(f"{ticket.reference} is already resolved")
    ticket.status = "resolved"
    ticket.claimed_by = ticket.claimed_by or agent
    ticket.identity_verified = identity_verified
    ticket.resolved_at = now
    ticket.updated_at = now
    checked = "yes" if identity_verified else "NO"
    detail = f"Identity checked with photo ID: {checked}."
    if note.strip():
        detail += f"\n{note.strip()}"
    session.add(_event(ticket, actor, "resolved", detail, now))
    session.commit()


def record_view(session: Session, ticket: Ticket, agent: str, now: datetime) -> None:
    """Log that an agent opened the ticket: personal data was looked at, and by whom."""
    session.add(_event(ticket, _actor(agent), "viewed", "", now))
    session.commit()


def events(session: Session, ticket: Ticket) -> list[TicketEvent]:
    """The ticket's audit log, oldest first."""
    query = (
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.at, TicketEvent.id)
    )
    return list(session.execute(query).scalars())
