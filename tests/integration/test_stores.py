"""What `python -m bot prepare` and the production profile do to the stores before anything
starts (bot/processes/stores.py): on a fresh PostgreSQL server the databases are created,
migrated and given the tracker tables, Redis must answer, and a second run changes nothing."""

from __future__ import annotations

import psycopg2
import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from bot import db
from bot.processes.stores import StoreError, prepare_stores
from bot.settings import Settings
from tests.integration.databases import (
    POSTGRES_ADMIN_URL,
    REDIS_URL,
    throwaway_postgres_database,
)

pytestmark = pytest.mark.slow


def _drop(url: str) -> None:
    """Make a throwaway database missing again: what a new server's admin starts from."""
    name = make_url(url).database
    admin = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=5)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE "{name}"')
    admin.close()


def _tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_prepare_creates_migrates_and_fills_missing_postgresql_databases():
    with (
        throwaway_postgres_database("trackers") as trackers,
        throwaway_postgres_database("tickets") as tickets,
    ):
        _drop(trackers)
        _drop(tickets)
        settings = Settings(
            _env_file=None,
            tracker_store_url=trackers,
            database_url=tickets,
            lock_store_url=REDIS_URL,
        )
        said: list[str] = []
        prepare_stores(settings, say=said.append)
        assert len(said) == 2 and all("Created database" in line for line in said)
        assert {"events", "insight_turns"} <= _tables(trackers)
        assert {"alembic_version", "tickets"} <= _tables(tickets)

        said.clear()
        prepare_stores(settings, say=said.append)  # a second release's prepare
        assert said == []


def test_prepare_on_sqlite_needs_no_server(tmp_path):
    settings = Settings(_env_file=None, var_dir=tmp_path)
    prepare_stores(settings, say=pytest.fail)
    assert "events" in _tables(settings.resolved_tracker_store_url)
    assert "tickets" in _tables(settings.resolved_database_url)


def test_an_unreachable_lock_store_is_named_in_a_sentence(tmp_path):
    settings = Settings(_env_file=None, var_dir=tmp_path, lock_store_url="redis://127.0.0.1:1/0")
    with pytest.raises(StoreError, match=r"Redis at redis://127\.0\.0\.1:1/0 is not reachable"):
        prepare_stores(settings)
