"""The stores every process needs, made ready once before any of them starts.

`python -m bot production` and `python -m bot prepare` (the systemd units, the containers)
both begin here: a PostgreSQL database that does not exist yet is created when the role may
(otherwise the error says so and the administrator creates it once), the tickets schema is
migrated, the tracker tables are created, and Redis must answer.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg2
import redis
from psycopg2 import sql
from sqlalchemy.engine import URL, make_url

from bot import db
from bot.rasa_ext.tracker_store import create_tables as create_tracker_tables
from bot.settings import Settings


class StoreError(RuntimeError):
    """A store the processes need is missing or unreachable; the message says what to do."""


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database named in ``url`` if it does not exist yet.

    Returns whether it was created. The server's maintenance database ("postgres") is used
    with the same credentials; a role that may not create databases gets a clear error, and
    the administrator creates it once instead (docs/operations.md).
    """
    parsed = make_url(url)
    try:
        psycopg2.connect(**_connect_args(parsed), connect_timeout=5).close()
        return False
    except psycopg2.OperationalError as error:
        if "does not exist" not in str(error):
            raise StoreError(
                f"PostgreSQL at {parsed.host}:{parsed.port or 5432} is not reachable ({error})."
            ) from error
    admin = psycopg2.connect(**_connect_args(parsed.set(database="postgres")), connect_timeout=5)
    try:
        admin.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parsed.database)))
    except psycopg2.errors.DuplicateDatabase:
        return False  # created meanwhile by someone else: just as good
    except psycopg2.Error as error:
        raise StoreError(f"Could not create database {parsed.database!r}: {error}") from error
    finally:
        admin.close()
    return True


def _connect_args(url: URL) -> dict[str, object]:
    args = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database,
    }
    return {key: value for key, value in args.items() if value is not None}


def check_redis(url: str) -> None:
    """The lock store must answer before replicas start: without it every message would fail."""
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        raise StoreError(f"Redis at {url} is not reachable ({error}).") from error


def prepare_stores(settings: Settings, say: Callable[[str], None] = print) -> None:
    """Databases created if missing, the assistant's schema migrated, Redis reachable.

    Migrating and creating the tracker tables here, once, before any process starts, spares
    the replicas and workers a race on a fresh database. The profile and `python -m bot
    prepare` (systemd, containers) both start with it; SQLite files create themselves.
    """
    for url in (settings.resolved_tracker_store_url, settings.resolved_database_url):
        parsed = make_url(url)
        if parsed.get_backend_name() == "postgresql" and ensure_database(url):
            say(f"  Created database {parsed.database}.")
    db.upgrade(settings.resolved_database_url)
    create_tracker_tables(settings.resolved_tracker_store_url)
    if settings.lock_store_url:
        check_redis(settings.lock_store_url)
