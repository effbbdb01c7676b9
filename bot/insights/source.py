"""Reading the figures from the tracker database, where ``insight_turns`` lives.

The console's own database holds agents and tickets; the messages are in the conversations'
database (``MFA_TRACKER_STORE_URL``), so the insights page opens an engine of its own there.
Reads only: the table is created by the tracker store, and a database no message has reached
yet simply has no figures.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

from bot import db
from bot.hours import ServiceHours
from bot.insights import figures, tables
from bot.insights.filters import Filters

T = TypeVar("T")
# For this page's transaction only. PostgreSQL's default work_mem (4 MB) sends the grouping
# per conversation of a busy month to disk; and its planner, guessing the few conversations
# that span days as many, would compile the query (JIT) for longer than it takes to run.
POSTGRES_SETTINGS = {"work_mem": "64MB", "jit": "off"}


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _sqlite_functions(dbapi_connection: Any, _record: Any) -> None:
    """SQLite's lower() folds ASCII only; "ÆNDRE" and "ændre" are one question, as on
    PostgreSQL."""
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def make_engine(url: str) -> Engine:
    engine = db.make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_functions)
    return engine


def _tuned(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        for name, value in POSTGRES_SETTINGS.items():
            connection.execute(text(f"SET LOCAL {name} = '{value}'"))


class Source:
    """The figures of one tracker database; made once per process (it holds the pool)."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._table_seen = False
        # Two: the activity query, and the review queue's counts (the page's other reads).
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="insights")

    def _has_table(self) -> bool:
        if not self._table_seen:  # it never goes away once the tracker store made it
            self._table_seen = tables.exists(self.engine)
        return self._table_seen

    def _read(self, reader: Callable[[Connection], T]) -> T:
        with self.engine.connect() as connection, connection.begin():
            _tuned(connection)
            return reader(connection)

    def figures(self, filters: Filters, hours: ServiceHours) -> figures.Figures:
        """Every figure; the activity (the one heavy query) on a second connection at the
        same time as the others, so the database works on both with a core each."""
        if not self._has_table():
            return figures.empty(filters, hours)
        heavy = self.pool.submit(self._read, lambda c: figures.activity(c, filters))
        rest = self._read(lambda c: figures.compute(c, filters, hours, with_activity=False))
        return dataclasses.replace(rest, activity=heavy.result())

    def dispose(self) -> None:
        self.pool.shutdown()
        self.engine.dispose()
