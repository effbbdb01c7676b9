"""From one key to a person's data: their conversations, the hashes that key them, their tickets.

A key is a conversation (a REST/widget sender id, or a Telegram chat, whose conversation is
``telegram:<chat id>``), a ticket reference or a RUC username. The assistant's database keeps
only a hash of a conversation's id (bot.db.conversation_key), so a ticket or a username leads
to the tickets, their hashes to every ticket of the same conversations, and the hashes back to
the conversations by hashing each stored sender. A sender id leads to its conversation and its
tickets. Without ``--by``, a reference is a ticket, a ``telegram:`` id a conversation, and
anything else whichever of a conversation or a username it names (both: ambiguous, say which).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.channels.conversations import TELEGRAM_PREFIX, telegram_conversation
from bot.db import conversation_key, make_engine, upgrade
from bot.onboarding.practice_store import PracticeSecret
from bot.privacy import KINDS, SENDER, TELEGRAM, TICKET, USERNAME, linked
from bot.rasa_ext import events_table
from bot.tickets.models import Ticket

MAX_KEY_CHARS = 200


class BadKey(ValueError):
    """The key cannot name anyone (empty, too long, not a reference) or names two things."""


@dataclass(frozen=True)
class Key:
    kind: str  # sender (a Telegram chat becomes its conversation's sender id), ticket, username
    value: str


@dataclass
class Person:
    key: Key
    senders: list[str] = field(default_factory=list)
    conversation_keys: list[str] = field(default_factory=list)
    ticket_ids: list[int] = field(default_factory=list)


@dataclass
class Stores:
    """The two databases a person's data lives in."""

    assistant: Engine
    tracker: Engine

    def session(self) -> Session:
        return Session(self.assistant, future=True)


@contextmanager
def open_stores(database_url: str, tracker_store_url: str) -> Iterator[Stores]:
    """Engines on both databases (the assistant's migrated first), disposed afterwards."""
    upgrade(database_url)
    stores = Stores(make_engine(database_url), make_engine(tracker_store_url))
    try:
        yield stores
    finally:
        stores.assistant.dispose()
        stores.tracker.dispose()


def _folded(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def same_username(stored: str, wanted: str, email_domain: str) -> bool:
    """Whether a ticket's username (as the person typed it) is ``wanted``: case and spacing
    aside, and ``abc@ruc.dk`` (or a subdomain) is the username ``abc``."""

    def plain(value: str) -> str:
        value = _folded(value)
        local, at, domain = value.rpartition("@")
        domain_ok = domain == email_domain or domain.endswith(f".{email_domain}")
        return local if at and domain_ok else value

    return plain(stored) == plain(wanted)


def check_key(value: str, by: str | None) -> str:
    value = (value or "").strip()
    if not value or len(value) > MAX_KEY_CHARS or not value.isprintable():
        raise BadKey(f"a key is 1 to {MAX_KEY_CHARS} printable characters")
    if by is not None and by not in KINDS:
        raise BadKey(f"--by must be one of {', '.join(KINDS)}")
    return value


def find_person(stores: Stores, value: str, by: str | None, email_domain: str) -> Person:
    """The person ``value`` names (``by`` one of KINDS, or None to tell by the value)."""
    value = check_key(value, by)
    if by == TELEGRAM:
        by, value = SENDER, telegram_conversation(value.removeprefix(TELEGRAM_PREFIX))
    if by is None and Ticket.parse_reference(value) is not None:
        by = TICKET
    if by is None and value.casefold().startswith(TELEGRAM_PREFIX):
        by = SENDER
    with stores.session() as session, stores.tracker.connect() as tracker:
        if by == TICKET:
            return _by_ticket(session, tracker, value)
        if by == SENDER:
            return _by_sender(session, tracker, value)
        tickets = _tickets_of_username(session, value, email_domain)
        if by == USERNAME:
            return _by_tickets(session, tracker, Key(USERNAME, value), tickets)
        as_sender = _by_sender(session, tracker, value)
        if not _has_data(session, tracker, as_sender):
            return _by_tickets(session, tracker, Key(USERNAME, value), tickets)
        if tickets:
            raise BadKey("the key is both a conversation and a username; say which with --by")
        return as_sender


def _has_data(session: Session, tracker: Connection, person: Person) -> bool:
    if person.ticket_ids:
        return True
    if events_table.exists(tracker.engine) and events_table.event_counts(tracker, person.senders):
        return True
    secrets = sa.select(sa.func.count()).where(
        PracticeSecret.conversation_key.in_(person.conversation_keys)
    )
    return bool(session.execute(secrets).scalar()) or any(
        linked.count(_connection(session, tracker, table), table.name, person.senders)
        for table in linked.LINKED_TABLES
    )


def _connection(session: Session, tracker: Connection, table: linked.LinkedTable) -> Connection:
    return tracker if table.database == linked.TRACKER else session.connection()


def _by_sender(session: Session, tracker: Connection, sender: str) -> Person:
    hashed = conversation_key(sender)
    query = sa.select(Ticket.id).where(Ticket.conversation_key == hashed).order_by(Ticket.id)
    tickets = [ticket_id for (ticket_id,) in session.execute(query)]
    return Person(Key(SENDER, sender), [sender], [hashed], tickets)


def _by_ticket(session: Session, tracker: Connection, reference: str) -> Person:
    ticket_id = Ticket.parse_reference(reference)
    if ticket_id is None:
        raise BadKey("that is not a ticket reference (such as MFA-000123)")
    ticket = session.get(Ticket, ticket_id)
    return _by_tickets(session, tracker, Key(TICKET, reference), [ticket] if ticket else [])


def _tickets_of_username(session: Session, username: str, email_domain: str) -> list[Ticket]:
    # Compared in Python, as the console's search does: folding differs between databases.
    candidates = session.execute(sa.select(Ticket.id, Ticket.username)).all()
    ids = [
        ticket_id
        for ticket_id, stored in candidates
        if same_username(stored, username, email_domain)
    ]
    if not ids:
        return []
    return list(session.execute(sa.select(Ticket).where(Ticket.id.in_(ids))).scalars())


def _by_tickets(session: Session, tracker: Connection, key: Key, tickets: list[Ticket]) -> Person:
    """The tickets' conversations, with every ticket those conversations made."""
    hashes = sorted({ticket.conversation_key for ticket in tickets})
    if not hashes:
        return Person(key)
    query = sa.select(Ticket.id).where(Ticket.conversation_key.in_(hashes)).order_by(Ticket.id)
    ticket_ids = sorted({ticket.id for ticket in tickets} | set(session.execute(query).scalars()))
    known: set[str] = set()
    if events_table.exists(tracker.engine):
        known.update(events_table.distinct_senders(tracker))
    for table in linked.LINKED_TABLES:
        known |= linked.distinct_senders(_connection(session, tracker, table), table.name)
    wanted = set(hashes)
    senders = sorted(sender for sender in known if conversation_key(sender) in wanted)
    return Person(key, senders, hashes, ticket_ids)
