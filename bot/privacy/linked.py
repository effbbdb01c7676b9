"""Tables of other modules that hold a sender's rows, read and deleted by their ``sender_id``.

Each belongs to its own feature (the insights' turns in the tracker database, the review
queue's marks in the assistant's), which may not have created it yet in a given database: a
missing table is simply nothing to export or erase. The tables are reflected rather than
imported, so an export carries every column they have, including ones added later, and this
module never has to follow their layout.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.insights.tables import TURNS

SENDER = "sender_id"
BATCH = 500


@dataclass(frozen=True)
class LinkedTable:
    name: str
    # "tracker" (beside Rasa's events) or "assistant" (beside the tickets).
    database: str


TRACKER, ASSISTANT = "tracker", "assistant"
LINKED_TABLES = (
    LinkedTable(TURNS.name, TRACKER),  # one row per user message
    LinkedTable("review_marks", ASSISTANT),  # bot/insights/marks.py: a content owner's marks
)


def _table(connection: Connection, name: str) -> sa.Table | None:
    if not sa.inspect(connection).has_table(name):
        return None
    table = sa.Table(name, sa.MetaData(), autoload_with=connection)
    return table if SENDER in table.c else None


def _batches(senders: Iterable[str]) -> Iterable[list[str]]:
    wanted = list(senders)
    for start in range(0, len(wanted), BATCH):
        yield wanted[start : start + BATCH]


def _plain(value: Any) -> Any:
    """A column's value as JSON can hold it."""
    return value.isoformat() if isinstance(value, datetime | date) else value


def rows(connection: Connection, name: str, senders: Iterable[str]) -> list[dict[str, Any]]:
    """The senders' rows of table ``name``, oldest first; none when the table is missing."""
    table = _table(connection, name)
    if table is None:
        return []
    order = list(table.primary_key.columns) or [table.c[SENDER]]
    found: list[dict[str, Any]] = []
    for batch in _batches(senders):
        query = sa.select(table).where(table.c[SENDER].in_(batch)).order_by(*order)
        found += [
            {column: _plain(value) for column, value in row._mapping.items()}
            for row in connection.execute(query)
        ]
    return found


def count(connection: Connection, name: str, senders: Iterable[str]) -> int:
    table = _table(connection, name)
    if table is None:
        return 0
    total = 0
    for batch in _batches(senders):
        query = sa.select(sa.func.count()).select_from(table).where(table.c[SENDER].in_(batch))
        total += int(connection.execute(query).scalar() or 0)
    return total


def delete(connection: Connection, name: str, senders: Iterable[str]) -> int:
    """Delete the senders' rows; returns how many went."""
    table = _table(connection, name)
    if table is None:
        return 0
    deleted = 0
    for batch in _batches(senders):
        deleted += connection.execute(sa.delete(table).where(table.c[SENDER].in_(batch))).rowcount
    return deleted


def distinct_senders(connection: Connection, name: str) -> set[str]:
    """Every sender with a row in the table (to find a conversation from its hash)."""
    table = _table(connection, name)
    if table is None:
        return set()
    return {sender for (sender,) in connection.execute(sa.select(table.c[SENDER]).distinct())}
