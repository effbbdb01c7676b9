"""The tracker store Rasa builds from our endpoints.yml keeps no secrets (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import create_tracker_store
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.processes.endpoints import write_endpoints
from bot.rasa_ext.tracker_store import RedactingSQLTrackerStore
from bot.settings import Settings

pytest_plugins = ["tests.integration.databases"]

DOMAIN = Domain.from_dict(
    {"slots": {"ticket_summary": {"type": "text", "mappings": [{"type": "from_text"}]}}}
)
SECRET_CODE, SECRET_PASSWORD = "482913", "Sommer2024!"


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_store_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return ""  # the embedded default: a SQLite file in var_dir
    return request.getfixturevalue("postgres_url")


def test_stored_conversations_hold_no_secrets(tracker_store_url: str, tmp_path: Path):
    settings = Settings(var_dir=tmp_path, tracker_store_url=tracker_store_url)
    endpoints = AvailableEndpoints.read_endpoints(str(write_endpoints(settings)))
    store = create_tracker_store(endpoints.tracker_store, DOMAIN)
    assert isinstance(store, RedactingSQLTrackerStore)

    tracker = DialogueStateTracker.from_events(
        "someone",
        [
            UserUttered(
                f"my code is {SECRET_CODE} and my password is {SECRET_PASSWORD}",
                parse_data={"text": f"code {SECRET_CODE}", "intent": {"name": "faq"}},
            ),
            SlotSet("ticket_summary", f"locked out, password is {SECRET_PASSWORD}"),
        ],
    )
    asyncio.run(store.save(tracker))
    # In memory the turn keeps what was said (the practice check needs the digits).
    assert SECRET_CODE in tracker.latest_message.text

    with store.engine.connect() as connection:
        rows = [row[0] for row in connection.execute(sa.text("SELECT data FROM events"))]
    stored = "\n".join(rows)
    assert SECRET_CODE not in stored and SECRET_PASSWORD not in stored
    assert "[code removed]" in stored and "[password removed]" in stored
    assert any(json.loads(row).get("event") == "user" for row in rows)

    again = asyncio.run(store.retrieve("someone"))
    assert again.latest_message.text.startswith("my code is [code removed]")
    store.engine.dispose()


def test_embedded_conversation_store_writes_ahead(tmp_path: Path):
    """The embedded default's SQLite store is in WAL mode once a turn is saved, so a ticket's
    transcript can be read while Rasa writes (bot/db.py)."""
    settings = Settings(var_dir=tmp_path, tracker_store_url="")
    endpoints = AvailableEndpoints.read_endpoints(str(write_endpoints(settings)))
    store = create_tracker_store(endpoints.tracker_store, DOMAIN)
    tracker = DialogueStateTracker.from_events("wal", [UserUttered("hello")])
    asyncio.run(store.save(tracker))
    database = next(tmp_path.rglob("*.db"))
    with sa.create_engine(f"sqlite:///{database}").connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
