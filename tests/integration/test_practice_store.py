"""The practice store against real databases: a SQLite file and a throwaway PostgreSQL database.

Both backends run the real Alembic migrations, so the schema under test is the one production
gets. PostgreSQL must be reachable: a silently skipped backend would hide exactly the
differences (time zones, constraints) these tests exist for. The database fixtures live in
``tests.integration.databases``, shared with the ticket store's tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import db
from bot.onboarding import practice_store as store
from bot.onboarding.practice_store import PracticeSecret
from bot.settings import get_settings

# The database fixtures (database_url, engine, postgres_url), shared with the ticket tests.
pytest_plugins = ["tests.integration.databases"]

T0 = datetime(2026, 3, 2, 9, 15, 0, tzinfo=timezone.utc)
TTL = timedelta(minutes=10)
# Looks like a real sender id (a Telegram user id, an e-mail): it must never reach the table.
CONVERSATION = "telegram:424242:jens.hansen@ruc.dk"
OTHER = "web:5f1c9b2e"


def all_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text("SELECT * FROM practice_secrets"))]


def test_migration_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), db.Base.metadata) == []
    columns = {c["name"]: c for c in inspect(engine).get_columns("practice_secrets")}
    assert set(columns) == {
        "id",
        "conversation_key",
        "secret",
        "created_at",
        "expires_at",
        "failed_attempts",
    }
    assert not any(c["nullable"] for c in columns.values())


def test_upgrade_is_idempotent(database_url: str, engine: Engine) -> None:
    db.upgrade(database_url)
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    head = ScriptDirectory.from_config(db.alembic_config(database_url)).get_current_head()
    assert version == head


def test_downgrade_removes_the_table(database_url: str, engine: Engine) -> None:
    command.downgrade(db.alembic_config(database_url), "base")
    assert "practice_secrets" not in inspect(engine).get_table_names()


def test_conversation_key_is_unique(engine: Engine) -> None:
    with Session(engine, future=True) as session:
        session.add_all(
            PracticeSecret(
                conversation_key=store.conversation_key(CONVERSATION),
                secret="JBSWY3DPEHPK3PXP",
                created_at=T0,
                expires_at=T0 + TTL,
            )
            for _ in range(2)
        )
        with pytest.raises(IntegrityError):
            session.commit()


def test_start_then_current_until_expiry(engine: Engine) -> None:
    with Session(engine, future=True) as session:
        secret = store.start(session, CONVERSATION, T0, TTL)

    # A new session, as the next message would get: the secret survived the commit.
    with Session(engine, future=True) as session:
        row = store.current(session, CONVERSATION, T0 + TTL - timedelta(seconds=1))
        assert row is not None
        assert row.secret == secret
        assert row.failed_attempts == 0
        assert row.created_at == T0
        assert row.expires_at == T0 + TTL
        assert row.expires_at.tzinfo is not None
        assert secret not in repr(row)

    with Session(engine, future=True) as session:
        assert store.current(session, CONVERSATION, T0 + TTL) is None
    assert all_rows(engine) == [], "the expired secret is deleted on the way"


def test_other_time_zones_mean_the_same_instant(engine: Engine) -> None:
    copenhagen = timezone(timedelta(hours=1))
    with Session(engine, future=True) as session:
        store.start(session, CONVERSATION, T0.astimezone(copenhagen), TTL)
        row = store.current(session, CONVERSATION, T0 + TTL - timedelta(seconds=1))
        assert row is not None
        assert row.expires_at == T0 + TTL


def test_naive_times_are_refused(engine: Engine) -> None:
    with Session(engine, future=True) as session, pytest.raises(Exception, match="naive"):
        store.start(session, CONVERSATION, T0.replace(tzinfo=None), TTL)


def test_current_without_a_secret(engine: Engine) -> None:
    with Session(engine, future=True) as session:
        assert store.current(session, CONVERSATION, T0) is None


def test_restart_replaces_the_secret(engine: Engine) -> None:
    later = T0 + timedelta(minutes=5)
    with Session(engine, future=True) as session:
        first = store.start(session, CONVERSATION, T0, TTL)
        store.record_failure(session, CONVERSATION)
        second = store.start(session, CONVERSATION, later, TTL)
        assert second != first

        row = store.current(session, CONVERSATION, later + TTL - timedelta(seconds=1))
        assert row is not None
        assert (row.secret, row.failed_attempts) == (second, 0)
        assert row.created_at == later
    assert len(all_rows(engine)) == 1


def test_conversations_are_kept_apart(engine: Engine) -> None:
    with Session(engine, future=True) as session:
        mine = store.start(session, CONVERSATION, T0, TTL)
        theirs = store.start(session, OTHER, T0, TTL)
        store.record_failure(session, OTHER)
        assert store.current(session, CONVERSATION, T0).secret == mine
        assert store.current(session, OTHER, T0).secret == theirs
        assert store.current(session, CONVERSATION, T0).failed_attempts == 0


def test_record_failure_counts(engine: Engine) -> None:
    with Session(engine, future=True) as session:
        assert store.record_failure(session, CONVERSATION) == 0, "nothing to count against"
        store.start(session, CONVERSATION, T0, TTL)
        assert [store.record_failure(session, CONVERSATION) for _ in range(3)] == [1, 2, 3]
    with Session(engine, future=True) as session:
        assert store.current(session, CONVERSATION, T0).failed_attempts == 3
        store.start(session, CONVERSATION, T0, TTL)
        assert store.record_failure(session, CONVERSATION) == 1


def test_finish_deletes(engine: Engine) -> None:
    with Session(engine, future=True) as session:
        store.start(session, CONVERSATION, T0, TTL)
        store.start(session, OTHER, T0, TTL)
        store.finish(session, CONVERSATION)
        assert store.current(session, CONVERSATION, T0) is None
        assert store.current(session, OTHER, T0) is not None
        store.finish(session, CONVERSATION)  # finishing twice is harmless
    assert len(all_rows(engine)) == 1


def test_purge_expired(engine: Engine) -> None:
    with Session(engine, future=True) as session:
        store.start(session, CONVERSATION, T0, TTL)
        store.start(session, OTHER, T0 + timedelta(minutes=5), TTL)
        assert store.purge_expired(session, T0 + TTL - timedelta(seconds=1)) == 0
        assert store.purge_expired(session, T0 + TTL) == 1
        assert store.current(session, CONVERSATION, T0) is None
        assert store.current(session, OTHER, T0 + TTL) is not None
        assert store.purge_expired(session, T0 + 2 * TTL) == 1
    assert all_rows(engine) == []


def test_raw_conversation_id_is_never_stored(engine: Engine) -> None:
    with Session(engine, future=True) as session:
        secret = store.start(session, CONVERSATION, T0, TTL)
        store.record_failure(session, CONVERSATION)

    rows = all_rows(engine)
    assert len(rows) == 1
    values = [str(value) for value in rows[0]]
    for fragment in (CONVERSATION, "424242", "jens.hansen", "ruc.dk"):
        assert not any(fragment in value for value in values), fragment
    assert hashlib.sha256(CONVERSATION.encode()).hexdigest() in values
    assert secret in values


def test_sqlite_shares_the_file_in_wal_mode(tmp_path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'deep' / 'er' / 'assistant.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    finally:
        engine.dispose()
    assert (tmp_path / "deep" / "er" / "assistant.db").exists()


@pytest.fixture
def fresh_install(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Process settings pointing at a database file that does not exist yet."""
    url = f"sqlite:///{tmp_path / 'var' / 'assistant.db'}"
    monkeypatch.setenv("MFA_DATABASE_URL", url)
    db.dispose_engine()
    get_settings.cache_clear()
    yield url
    db.dispose_engine()
    get_settings.cache_clear()


def test_process_session_migrates_a_fresh_install(fresh_install: str) -> None:
    assert get_settings().resolved_database_url == fresh_install
    with db.session() as session:
        secret = store.start(session, CONVERSATION, T0, TTL)
    with db.session() as session:
        assert store.current(session, CONVERSATION, T0).secret == secret
    assert db.engine() is db.engine()
