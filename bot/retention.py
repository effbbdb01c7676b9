"""Data retention: delete old conversations and resolved tickets (`python -m bot purge`).

What is kept, and for how long, is set by MFA_RETENTION_* (docs/configuration.md). The
command is idempotent and cheap, so it can run from cron or a systemd timer as often as
wanted. A conversation is deleted whole once it has been quiet for the retention period, with
its insight rows and any review marks on its messages; a ticket goes (with its audit log and
outbox rows) once it has been resolved for its period. Open tickets are never deleted: someone
still has to act on them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.db import make_engine, upgrade
from bot.onboarding.practice_store import purge_expired
from bot.privacy import linked
from bot.rasa_ext import events_table
from bot.tickets.models import OutboxMessage, Ticket, TicketEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purged:
    conversations: int
    tickets: int
    practice_secrets: int

    def __str__(self) -> str:
        return (
            f"Deleted {self.conversations} conversation(s), {self.tickets} resolved ticket(s) "
            f"and {self.practice_secrets} expired practice secret(s)."
        )


def purge_conversations(tracker_store_url: str, cutoff: datetime) -> list[str]:
    """Delete every conversation whose newest event is older than ``cutoff``; their senders.

    A store that has no events table yet has nothing to delete.
    """
    engine = make_engine(tracker_store_url)
    try:
        if not events_table.exists(engine):
            return []
        with engine.begin() as connection:
            senders = events_table.quiet_conversations(connection, cutoff)
            events_table.delete_conversations(connection, senders)
            delete_linked_rows(connection, linked.TRACKER, senders)  # their insight rows
        return senders
    finally:
        engine.dispose()


def delete_linked_rows(connection: Connection, database: str, senders: Sequence[str]) -> None:
    """The senders' rows in the other features' tables of one database, the same tables a
    person's erasure deletes from (bot/privacy/linked.py); the caller commits."""
    for table in linked.LINKED_TABLES:
        if table.database == database:
            linked.delete(connection, table.name, senders)


def purge_tickets(session: Session, resolved_before: datetime) -> int:
    """Delete tickets resolved before ``resolved_before``, with their audit log and outbox."""
    old = sa.select(Ticket.id).where(
        Ticket.status == "resolved", Ticket.resolved_at < resolved_before
    )
    ids = [row[0] for row in session.execute(old)]
    delete_tickets(session, ids)
    session.commit()
    return len(ids)


def delete_tickets(session: Session, ids: Sequence[int]) -> None:
    """Delete these tickets with their audit log and outbox rows (the caller commits).

    Shared with a person's erasure (bot/privacy/erase.py), which deletes resolved tickets as
    retention would, only sooner.
    """
    for start in range(0, len(ids), 500):
        batch = list(ids[start : start + 500])
        session.execute(sa.delete(OutboxMessage).where(OutboxMessage.ticket_id.in_(batch)))
        session.execute(sa.delete(TicketEvent).where(TicketEvent.ticket_id.in_(batch)))
        session.execute(sa.delete(Ticket).where(Ticket.id.in_(batch)))


def purge(
    database_url: str,
    tracker_store_url: str,
    now: datetime,
    conversation_days: int,
    ticket_days: int,
) -> Purged:
    """Apply the retention periods at ``now`` to both databases."""
    senders = purge_conversations(tracker_store_url, now - timedelta(days=conversation_days))
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with Session(engine, future=True) as session:
            # A review mark keeps what the person typed: it goes with their conversation.
            delete_linked_rows(session.connection(), linked.ASSISTANT, senders)
            tickets = purge_tickets(session, now - timedelta(days=ticket_days))
            secrets = purge_expired(session, now)  # useless once expired: they go at once
    finally:
        engine.dispose()
    purged = Purged(len(senders), tickets, secrets)
    log.info("%s", purged)
    return purged
