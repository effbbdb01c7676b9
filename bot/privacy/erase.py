"""Erase a person: their conversations go, and so does whatever else names them, except tickets
the servicedesk still has to act on, which are kept without their personal data.

"Must be kept" means a ticket that is not resolved (open or claimed): somebody at the
servicedesk is about to call or meet the person, and the ticket is their to-do; deleting it
would lose the work silently. Such a ticket keeps its reference, status, channel, contact
preference, urgency, times and the audit log's who-did-what; its name, username, phone,
summary and the agents' notes become ``[erased]``, its transcript is emptied, and its link to
the conversation (the hash of its id, and the hash of the idempotency key built from it) is
replaced by a random one. Resolved tickets are deleted with their audit log and outbox rows,
as retention would do later. An outbox row holds no personal data but its last error, which
is cleared.

Who erased what is recorded without the key's value or anything the person wrote: a
``person_erased`` line in the security log (agent_events) with the kind of key and the counts,
and an ``anonymised`` line in each kept ticket's audit log.

The tracker database is erased first, then the assistant's in one transaction: if the second
fails, the tickets still lead back to their conversations, and running the erasure again
finishes it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.console.auth import log_event
from bot.console.models import Agent
from bot.onboarding.practice_store import PracticeSecret
from bot.privacy import SENDER, linked
from bot.privacy.lookup import Person, Stores, find_person, open_stores
from bot.rasa_ext import events_table
from bot.retention import delete_tickets
from bot.tickets.models import OutboxMessage, Ticket, TicketEvent

log = logging.getLogger(__name__)

ERASED = "[erased]"
KEPT_STATUSES = ("open", "claimed")
# Audit log kinds: the security log's (bot/console/models.py) and a ticket's.
PERSON_ERASED, PERSON_EXPORTED, ANONYMISED = "person_erased", "person_exported", "anonymised"
# Agents' free text in a kept ticket's audit log may quote the person; the rest is who did what.
FREE_TEXT_EVENTS = ("note",)


@dataclass(frozen=True)
class Actor:
    """Who asks: a signed-in admin (``agent``), the command line, or the person in the widget."""

    name: str  # the agent's username, "cli:<account>" or "widget"
    source: str  # the agent's client address, "cli" or "widget"
    agent: Agent | None = None

    @property
    def ticket_actor(self) -> str:
        return f"agent:{self.name}"[:100] if self.agent is not None else self.name[:100]


@dataclass(frozen=True)
class Counts:
    """What a person has (before erasure) or had (after); no personal value, only numbers and
    ticket references, so it may be shown, logged and written to the audit log."""

    key_kind: str
    conversations: int
    events: int
    linked_rows: tuple[tuple[str, int], ...]
    practice_secrets: int
    tickets_deleted: tuple[str, ...]
    tickets_anonymised: tuple[str, ...]

    @property
    def nothing(self) -> bool:
        return not (
            self.conversations
            or self.events
            or any(n for _, n in self.linked_rows)
            or self.practice_secrets
            or self.tickets_deleted
            or self.tickets_anonymised
        )

    def summary(self) -> str:
        linked_rows = "".join(f", {n} {name} row(s)" for name, n in self.linked_rows)
        return (
            f"by {self.key_kind}: {self.conversations} conversation(s) ({self.events} "
            f"event(s)){linked_rows}, {self.practice_secrets} practice secret(s), "
            f"{len(self.tickets_deleted)} resolved ticket(s) deleted"
            f"{_references(self.tickets_deleted)}, {len(self.tickets_anonymised)} open "
            f"ticket(s) anonymised{_references(self.tickets_anonymised)}"
        )


def _references(references: tuple[str, ...]) -> str:
    return f" ({', '.join(references)})" if references else ""


def _tickets(session: Session, person: Person) -> tuple[list[Ticket], list[Ticket]]:
    """(deleted, kept) tickets of the person."""
    query = sa.select(Ticket).where(Ticket.id.in_(person.ticket_ids)).order_by(Ticket.id)
    tickets = list(session.execute(query).scalars())
    kept = [ticket for ticket in tickets if ticket.status in KEPT_STATUSES]
    return [ticket for ticket in tickets if ticket.status not in KEPT_STATUSES], kept


def _secrets(person: Person) -> sa.sql.expression.ColumnElement[bool]:
    return PracticeSecret.conversation_key.in_(person.conversation_keys)


def count(stores: Stores, person: Person) -> Counts:
    """What erasing ``person`` would delete and anonymise."""
    with stores.tracker.connect() as tracker, stores.session() as session:
        events = (
            events_table.event_counts(tracker, person.senders)
            if events_table.exists(stores.tracker)
            else {}
        )
        linked_rows = tuple(
            (table.name, linked.count(_on(table, tracker, session), table.name, person.senders))
            for table in linked.LINKED_TABLES
        )
        secrets_count = session.execute(sa.select(sa.func.count()).where(_secrets(person)))
        deleted, kept = _tickets(session, person)
        return Counts(
            person.key.kind,
            len(events),
            sum(events.values()),
            linked_rows,
            int(secrets_count.scalar() or 0),
            tuple(ticket.reference for ticket in deleted),
            tuple(ticket.reference for ticket in kept),
        )


def _on(table: linked.LinkedTable, tracker: sa.engine.Connection, session: Session):
    return tracker if table.database == linked.TRACKER else session.connection()


def _unlinked() -> str:
    """A hash that matches no conversation and no retried action: the old link is cut."""
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def _anonymise(session: Session, ticket: Ticket, actor: Actor, now: datetime) -> None:
    ticket.name = ticket.username = ticket.summary = ERASED
    ticket.phone = ERASED if ticket.phone else None
    ticket.transcript = json.dumps([])
    ticket.conversation_key = _unlinked()
    ticket.idempotency_key = _unlinked()
    ticket.updated_at = now
    session.execute(
        sa.update(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind.in_(FREE_TEXT_EVENTS))
        .values(detail=ERASED)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.ticket_id == ticket.id)
        .values(last_error=None)
        .execution_options(synchronize_session=False)
    )
    detail = "The person's data was erased on request; the ticket is kept for the servicedesk."
    session.add(
        TicketEvent(
            ticket_id=ticket.id, at=now, actor=actor.ticket_actor, kind=ANONYMISED, detail=detail
        )
    )


def erase_person(stores: Stores, person: Person, actor: Actor, now: datetime) -> Counts:
    """Erase ``person`` (see the module's docstring); returns what was erased."""
    erased_events: dict[str, int] = {}
    tracker_rows: dict[str, int] = {}
    with stores.tracker.begin() as tracker:
        if events_table.exists(stores.tracker):
            erased_events = events_table.event_counts(tracker, person.senders)
            events_table.delete_conversations(tracker, person.senders)
        for table in linked.LINKED_TABLES:
            if table.database == linked.TRACKER:
                tracker_rows[table.name] = linked.delete(tracker, table.name, person.senders)
    with stores.session() as session:
        assistant_rows = {
            table.name: linked.delete(session.connection(), table.name, person.senders)
            for table in linked.LINKED_TABLES
            if table.database == linked.ASSISTANT
        }
        deleted_secrets = session.execute(
            sa.delete(PracticeSecret)
            .where(_secrets(person))
            .execution_options(synchronize_session=False)
        ).rowcount
        deleted, kept = _tickets(session, person)
        for ticket in kept:
            _anonymise(session, ticket, actor, now)
        counts = Counts(
            person.key.kind,
            len(erased_events),
            sum(erased_events.values()),
            tuple(
                (table.name, {**tracker_rows, **assistant_rows}.get(table.name, 0))
                for table in linked.LINKED_TABLES
            ),
            deleted_secrets,
            tuple(ticket.reference for ticket in deleted),
            tuple(ticket.reference for ticket in kept),
        )
        delete_tickets(session, [ticket.id for ticket in deleted])
        _audit(session, actor, PERSON_ERASED, f"Erased {counts.summary()}.", now)
        session.commit()
    log.info("A person's data was erased by %s (%s).", actor.name, counts.summary())
    return counts


# The person themselves, from the chat widget: the sender id is their only credential.
WIDGET = Actor(name="widget", source="widget")


def erase_conversation(database_url: str, tracker_store_url: str, sender: str) -> Counts:
    """Erase one conversation and what hangs on it, as its own user asked in the widget."""
    with open_stores(database_url, tracker_store_url) as stores:
        person = find_person(stores, sender, SENDER, "")
        return erase_person(stores, person, WIDGET, datetime.now(timezone.utc))


def record_export(stores: Stores, person: Person, actor: Actor, now: datetime) -> None:
    """Log that a person's data was exported, and by whom: reading it is a step of its own."""
    detail = (
        f"Exported by {person.key.kind}: {len(person.senders)} conversation(s), "
        f"{len(person.ticket_ids)} ticket(s)."
    )
    with stores.session() as session:
        _audit(session, actor, PERSON_EXPORTED, detail, now)
        session.commit()


def _audit(session: Session, actor: Actor, kind: str, detail: str, now: datetime) -> None:
    log_event(session, actor.agent, actor.name, kind, now, actor.source, detail)
