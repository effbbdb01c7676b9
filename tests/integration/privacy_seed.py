"""A person with a marker in everything they left behind, and another person beside them.

Shared by the privacy tests (the stores, the command line, the console): after an erasure the
marker must be found in no row of either database, and the other person's marker in theirs.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from rasa.core.tracker_store import create_tracker_store
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import Session

from bot import db
from bot.insights.tables import TURNS, ensure_tables
from bot.onboarding import practice_store
from bot.processes.endpoints import write_endpoints
from bot.settings import Settings
from bot.tickets import store
from bot.tickets.store import TicketDraft

MARKER = "zebra-marker-123"
OTHER_MARKER = "okapi-marker-456"
USERNAME = "zeb123"


@dataclass(frozen=True)
class Seeded:
    sender: str
    open_ticket: str  # references
    resolved_ticket: str
    other_sender: str
    other_ticket: str


def save_conversation(settings: Settings, sender: str, words: str) -> None:
    """Two turns through the assistant's own tracker store, as a chat would leave them."""
    endpoints = AvailableEndpoints.read_endpoints(str(write_endpoints(settings)))
    tracker_store = create_tracker_store(endpoints.tracker_store, Domain.empty())
    now = time.time()
    events = [
        UserUttered(f"my phone is gone {words}", timestamp=now - 60),
        ActionExecuted("utter_lost_phone", timestamp=now - 59),
        BotUttered("Sorry to hear that.", timestamp=now - 59),
        UserUttered(f"call me about {words}", timestamp=now - 30),
    ]
    asyncio.run(tracker_store.save(DialogueStateTracker.from_events(sender, events)))
    tracker_store.engine.dispose()


def add_turn(tracker_store_url: str, sender: str, words: str) -> None:
    """A row of the insights' table, as the tracker store writes one per message."""
    engine = db.make_engine(tracker_store_url)
    ensure_tables(engine)
    now = datetime.now(timezone.utc)
    with engine.begin() as connection:
        connection.execute(
            sa.insert(TURNS).values(
                sender_id=sender, at=now, day=date.today(), hour=now.hour, weekday=0,
                channel="rest", language="en", text=f"call me about {words}", typed=True,
                intent="handoff", confidence=0.9, topic=None, outcome="ticket", rephrased=False,
            )
        )  # fmt: skip
    engine.dispose()


def add_review_mark(database_url: str, sender: str, words: str) -> None:
    """A content owner's mark on one of the person's messages, where the table exists yet."""
    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        if sa.inspect(connection).has_table("review_marks"):
            marks = sa.Table("review_marks", sa.MetaData(), autoload_with=connection)
            now = datetime.now(timezone.utc)
            connection.execute(
                sa.insert(marks).values(
                    turn_id=1, sender_id=sender, turn_at=now, language="en",
                    text=f"call me about {words}", kind="new_topic", topic=None,
                    note="phones", marked_by="owner", marked_at=now,
                )
            )  # fmt: skip
    engine.dispose()


def _ticket(
    session: Session, sender: str, words: str, username: str, key: str, at: datetime
) -> str:
    draft = TicketDraft(
        conversation_id=sender,
        channel="rest",
        name=f"Person {words}",
        username=username,
        phone="+45 11 22 33 44",
        summary=f"Lost phone, {words}",
        contact_preference="call",
        transcript=[{"who": "user", "text": f"call me about {words}", "at": None}],
    )
    ticket, _ = store.create_ticket(session, draft, key, at, ["email"])
    return ticket.reference


def seed(settings: Settings, database_url: str, tracker_store_url: str, tag: str) -> Seeded:
    """The person (conversation, practice secret, an open and a resolved ticket with a note, an
    insights row) and another person with a conversation and a ticket."""
    sender, other = f"web-{tag}-person", f"telegram:{abs(hash(tag)) % 10**9}"
    save_conversation(settings, sender, MARKER)
    save_conversation(settings, other, OTHER_MARKER)
    add_turn(tracker_store_url, sender, MARKER)
    add_turn(tracker_store_url, other, OTHER_MARKER)
    db.upgrade(database_url)
    engine = db.make_engine(database_url)
    now = datetime.now(timezone.utc)
    with Session(engine, future=True) as session:
        resolved = _ticket(
            session, sender, MARKER, f"{USERNAME}@ruc.dk", f"{tag}-1", now - timedelta(minutes=5)
        )
        ticket = store.get_by_reference(session, resolved)
        store.resolve(session, ticket, "anna", True, f"called about {MARKER}", now)
        kept = _ticket(
            session, sender, MARKER, USERNAME.upper(), f"{tag}-2", now - timedelta(minutes=5)
        )
        store.add_note(session, store.get_by_reference(session, kept), "anna", f"re {MARKER}", now)
        other_ticket = _ticket(
            session, other, OTHER_MARKER, "okapi9", f"{tag}-3", now - timedelta(minutes=5)
        )
        practice_store.start(session, sender, now, timedelta(minutes=10))
        practice_store.start(session, other, now, timedelta(minutes=10))
    engine.dispose()
    add_review_mark(database_url, sender, MARKER)
    add_review_mark(database_url, other, OTHER_MARKER)
    return Seeded(sender, kept, resolved, other, other_ticket)


def every_text(url: str) -> str:
    """Every value of every row of every table of the database, as one text to search."""
    engine = db.make_engine(url)
    parts: list[str] = []
    try:
        with engine.connect() as connection:
            for name in sa.inspect(connection).get_table_names():
                table = sa.Table(name, sa.MetaData(), autoload_with=connection)
                for row in connection.execute(sa.select(table)):
                    parts.extend(str(value) for value in row)
    finally:
        engine.dispose()
    return "\n".join(parts)
