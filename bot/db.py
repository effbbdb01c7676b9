"""The assistant's own database (practice secrets now, servicedesk tickets later).

Separate from Rasa's tracker store: these rows are the assistant's business data, with their
own schema history in ``migrations/``. Every process migrates to head before first use, so a
fresh install (or a new release) needs no manual step; admins may still run
``alembic upgrade head`` themselves.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, MetaData, create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from bot.settings import PROJECT_ROOT, get_settings

log = logging.getLogger(__name__)

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"

# Deterministic constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class UtcDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones and hands back naive values; comparing those with an aware
    ``now`` would raise, so values are stored as UTC and re-tagged as UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: the database stores points in time, pass UTC")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def conversation_key(conversation_id: str) -> str:
    """sha256 hex of a conversation id: rows can be found again without storing who the user is.

    Shared by every table keyed by conversation (practice secrets, tickets), so one conversation
    maps to the same key everywhere and no module is tempted to store the raw id.
    """
    return hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and one writer work at once: the action server reads while the console
    writes, and reads a ticket's transcript from the conversation store while Rasa saves turns.

    Commits stay fully synchronous, so a saved turn or ticket survives a power cut.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def prepare_sqlite(engine: Engine) -> None:
    """Set the pragmas above on each new connection of a SQLite engine (others are left alone)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


def make_engine(url: str) -> Engine:
    """An engine for ``url``, prepared so several processes can share a SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, future=True, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # Rasa SDK runs actions on several threads; a connection may move between them.
    # SQLAlchemy 1.4 opens and closes a SQLite file for every session (NullPool): a pool keeps
    # them open, as SQLAlchemy 2.0 does by default. For Rasa's tracker store, that is one open
    # and close fewer per message (4% of a busy server's time, measured with py-spy).
    memory = database in ("", ":memory:")
    engine = create_engine(
        url,
        future=True,
        connect_args={"check_same_thread": False},
        **({} if memory else {"poolclass": QueuePool}),
    )
    prepare_sqlite(engine)
    return engine


def alembic_config(url: str) -> Config:
    """Alembic settings built in code: no alembic.ini needed, and no logging reconfigured."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates "%": URL-encoded passwords would otherwise break.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# Any number, the same in every process: PostgreSQL's advisory lock for migrations.
_MIGRATION_LOCK_KEY = 0x4D464121


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """Let one process at a time migrate: the runner's children start together on a fresh
    database, and two of them creating the same tables would fail one of them.

    PostgreSQL gets an advisory lock held by the migrating connection; SQLite a lock file
    beside the database (SQLite's own locking would let both read "no tables" first).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
            connection.commit()
        return
    database = connection.engine.url.database or ""
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a+b") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def upgrade(url: str) -> None:
    """Migrate the database at ``url`` to the newest schema (a no-op when already there)."""
    try:
        command.upgrade(alembic_config(url), "head")
    except DBAPIError:
        # Two processes starting together on a fresh database: the other one may have just
        # created the tables. A second run sees its work; a real error fails again.
        log.warning("Database migration failed once; retrying", exc_info=True)
        command.upgrade(alembic_config(url), "head")


_lock = threading.Lock()
_engine: Engine | None = None


def engine() -> Engine:
    """This process's engine, migrated to head the first time it is asked for."""
    global _engine
    with _lock:
        if _engine is None:
            url = get_settings().resolved_database_url
            upgrade(url)
            _engine = make_engine(url)
        return _engine


def session() -> Session:
    """A new session on the process's database; use it as a context manager."""
    return Session(engine(), future=True)


def dispose_engine() -> None:
    """Forget the process's engine (tests pointing settings elsewhere, orderly shutdown)."""
    global _engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
            _engine = None
