"""`python -m bot purge` on real databases: what is old goes, what is recent or open stays."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import create_tracker_store
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import Session

from bot import db
from bot.insights.marks import ReviewMark
from bot.onboarding import practice_store
from bot.processes.endpoints import write_endpoints
from bot.settings import PROJECT_ROOT, Settings
from bot.tickets import store
from bot.tickets.models import OutboxMessage, Ticket, TicketEvent
from bot.tickets.store import TicketDraft

pytest_plugins = ["tests.integration.databases"]

DAY = 24 * 3600
NOW = datetime.now(timezone.utc)


def draft(name: str) -> TicketDraft:
    return TicketDraft(
        conversation_id=f"conv-{name}",
        channel="rest",
        name=name,
        username=f"{name}@ruc.dk",
        phone=None,
        summary="Lost phone.",
        contact_preference="visit",
    )


def save_conversation(settings: Settings, sender: str, days_ago: float) -> None:
    endpoints = AvailableEndpoints.read_endpoints(str(write_endpoints(settings)))
    tracker_store = create_tracker_store(endpoints.tracker_store, Domain.empty())
    event = UserUttered("hello", timestamp=time.time() - days_ago * DAY)
    asyncio.run(tracker_store.save(DialogueStateTracker.from_events(sender, [event])))
    tracker_store.engine.dispose()


def senders(tracker_store_url: str, table: str = "events") -> set[str]:
    engine = db.make_engine(tracker_store_url)
    with engine.connect() as connection:
        found = {row[0] for row in connection.execute(sa.text(f"SELECT sender_id FROM {table}"))}
    engine.dispose()
    return found


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request, tmp_path: Path) -> tuple[str, str]:
    """(assistant database, tracker store) on the backend under test."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'assistant.db'}", f"sqlite:///{tmp_path / 'trackers.db'}"
    url = request.getfixturevalue("postgres_url")
    return url, url  # one PostgreSQL database may hold both, as in a small deployment


def test_purge_deletes_only_what_is_past_its_period(urls, tmp_path: Path):
    database_url, tracker_store_url = urls
    settings = Settings(var_dir=tmp_path, tracker_store_url=tracker_store_url)
    save_conversation(settings, "quiet", days_ago=31)
    save_conversation(settings, "recent", days_ago=2)
    # The store keeps each message's facts for the insights; they go with the conversation.
    assert senders(tracker_store_url, "insight_turns") == {"quiet", "recent"}

    db.upgrade(database_url)
    engine = db.make_engine(database_url)
    with Session(engine, future=True) as session:
        old, _ = store.create_ticket(
            session, draft("old"), "k-old", NOW - timedelta(days=400), ["email"]
        )
        store.resolve(session, old, "anna", True, "", NOW - timedelta(days=200))
        fresh, _ = store.create_ticket(
            session, draft("fresh"), "k-fresh", NOW - timedelta(days=400), []
        )
        store.resolve(session, fresh, "anna", True, "", NOW - timedelta(days=10))
        store.create_ticket(session, draft("waiting"), "k-open", NOW - timedelta(days=900), [])
        practice_store.start(session, "conv-x", NOW - timedelta(hours=2), timedelta(minutes=10))
        for number, sender in enumerate(("quiet", "recent")):  # a content owner's review marks
            session.add(
                ReviewMark(
                    turn_id=number,
                    sender_id=sender,
                    turn_at=NOW,
                    language="en",
                    text="hello",
                    kind="out_of_scope",
                    marked_by="olga",
                    marked_at=NOW,
                )
            )
        # Alive when the purge runs (NOW is when the module was imported, maybe minutes ago).
        fresh_start = datetime.now(timezone.utc)
        practice_store.start(session, "conv-y", fresh_start, timedelta(minutes=10))
        old_id = old.id

    env = {
        **os.environ,
        "MFA_VAR_DIR": str(tmp_path),
        "MFA_DATABASE_URL": database_url,
        "MFA_TRACKER_STORE_URL": tracker_store_url,
        "MFA_RETENTION_CONVERSATION_DAYS": "30",
        "MFA_RETENTION_TICKET_DAYS": "180",
    }
    command = [sys.executable, "-m", "bot", "purge"]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Deleted 1 conversation(s), 1 resolved ticket(s) and 1 expired practice" in done.stdout

    assert senders(tracker_store_url) == {"recent"}
    assert senders(tracker_store_url, "insight_turns") == {"recent"}
    with Session(engine, future=True) as session:
        names = {t.name for t in session.execute(sa.select(Ticket)).scalars()}
        assert names == {"fresh", "waiting"}  # open tickets stay, however old
        marked = session.execute(sa.select(ReviewMark.sender_id)).scalars().all()
        assert marked == ["recent"]  # the marks on a purged conversation's messages go with it
        for table in (TicketEvent, OutboxMessage):
            assert not session.execute(sa.select(table).where(table.ticket_id == old_id)).first()
        assert (
            session.execute(
                sa.select(sa.func.count()).select_from(practice_store.PracticeSecret)
            ).scalar()
            == 1
        )

    again = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert "Deleted 0 conversation(s), 0 resolved ticket(s)" in again.stdout
    engine.dispose()
