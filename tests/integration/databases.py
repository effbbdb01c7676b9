"""Database fixtures shared by the store tests: SQLite, throwaway PostgreSQL databases, Redis.

Both backends run the real Alembic migrations, so the schema under test is the one production
gets. PostgreSQL must be reachable: a silently skipped backend would hide exactly the
differences (time zones, constraints, locking) these tests exist for.

Import the fixtures into a test module (``from tests.integration.databases import ...``);
every model is imported here, so ``db.Base.metadata`` describes every migrated table whichever
test module runs alone.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest
import redis
from sqlalchemy import select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

import bot.console.models
import bot.insights.marks
import bot.onboarding.practice_store
import bot.tickets.models  # noqa: F401  (with the line above: registers every model)
from bot import db
from bot.tickets.models import Ticket

POSTGRES_ADMIN_URL = os.environ.get(
    "MFA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


REDIS_URL = os.environ.get("MFA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextmanager
def throwaway_redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the test Redis; its keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({error}). Run scripts/ensure-services.sh "
            "or set MFA_TEST_REDIS_URL.",
            pytrace=False,
        )
    prefix = f"mfatest{uuid.uuid4().hex[:10]}"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()


def _postgres_admin() -> psycopg2.extensions.connection:
    try:
        connection = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=5)
    except psycopg2.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error}). The stores are "
            "tested against both backends; start PostgreSQL or set MFA_TEST_POSTGRES_URL.",
            pytrace=False,
        )
    connection.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    return connection


@contextmanager
def throwaway_postgres_database(purpose: str = "test") -> Iterator[str]:
    """A uniquely named, empty database, dropped afterwards even if the test failed."""
    name = f"mfa_{purpose}_{uuid.uuid4().hex[:16]}"
    admin = _postgres_admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg2", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A uniquely named, empty database, dropped afterwards even if the test failed."""
    with throwaway_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'not-yet' / 'assistant.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    db.upgrade(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


def stored_tickets(database_url: str, sender: str) -> list[Ticket]:
    """The tickets a conversation made, read from the database as an agent's console would."""
    engine = db.make_engine(database_url)
    try:
        with Session(engine) as session:
            query = select(Ticket).where(Ticket.conversation_key == db.conversation_key(sender))
            found = list(session.execute(query).scalars())
            session.expunge_all()
            return found
    finally:
        engine.dispose()
