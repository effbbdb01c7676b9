"""Rasa's `events` table: the one module that knows its columns and asks it anything.

Rasa's SQL tracker store keeps a conversation as one row per event (sender id, type, UNIX
timestamp, action name, the event as JSON). Four readers need more than Rasa's own queries
give them, and each asks here: the tracker store (a compact tracker: bounded reads of the
latest session), the ticket's transcript (the whole latest session, read by the action server),
retention (delete conversations that have been quiet long enough), a person's export and
erasure (bot/privacy/: every event of a sender) and the benchmark (did every answered message
reach the store?). Every query is restricted to one sender or to a batch of senders, so it
uses the index Rasa puts on ``sender_id``, except ``distinct_senders``, which erasure needs to
find a conversation from the hash a ticket keeps of it.

Why the action server reads the table rather than Rasa's tracker endpoint
(``GET /conversations/<id>/tracker``): that endpoint exists only with Rasa's HTTP API enabled,
which the assistant's Rasa servers do not expose (it would also let anyone with the token
rewrite conversations); in the production profile the call would go back through the load
balancer into a replica while the conversation's lock is held by the one awaiting the action;
and it returns the whole tracker, every session, where one indexed query reads only the latest
session's rows. The price is that the action server holds the tracker database's address (a
role that may only SELECT is enough for it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

# As rasa.core.tracker_store.SQLTrackerStore.SQLEvent declares it (Rasa 3.6).
EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)
SESSION_STARTED = "session_started"
USER = "user"
BATCH = 500  # senders per IN (...) list: well under every database's parameter limit

Reader = Connection | Session


def session_start(sender_id: str) -> Any:
    """The latest session start's timestamp (NULL if none): stock Rasa selects rows by it."""
    return (
        sa.select(sa.func.max(EVENTS.c.timestamp))
        .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == SESSION_STARTED)
        .scalar_subquery()
    )


def in_latest_session(query: Any, sender_id: str, start: float | None) -> Any:
    """Restrict ``query`` to the conversation's rows from ``start`` (a session start) on."""
    query = query.where(EVENTS.c.sender_id == sender_id)
    return query if start is None else query.where(EVENTS.c.timestamp >= start)


def latest_session_start(reader: Reader, sender_id: str) -> float | None:
    return reader.execute(sa.select(session_start(sender_id))).scalar()


def stored_session(reader: Reader, sender_id: str) -> list[dict[str, Any]]:
    """The latest session's events, oldest first, as stock Rasa's retrieve selects them."""
    start = session_start(sender_id)
    query = (
        sa.select(EVENTS.c.data)
        .where(EVENTS.c.sender_id == sender_id)
        .where(sa.or_(EVENTS.c.timestamp >= start, start.is_(None)))
        .order_by(EVENTS.c.id)
    )
    return [json.loads(data) for (data,) in reader.execute(query)]


def quiet_conversations(connection: Connection, cutoff: datetime) -> list[str]:
    """Senders whose newest event is older than ``cutoff``."""
    query = (
        sa.select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(sa.func.max(EVENTS.c.timestamp) < cutoff.timestamp())
    )
    return [sender for (sender,) in connection.execute(query)]


def delete_conversations(connection: Connection, senders: Sequence[str]) -> None:
    """Every event of these senders, in batches."""
    for start in range(0, len(senders), BATCH):
        batch = list(senders[start : start + BATCH])
        connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(batch)))


def all_events(reader: Reader, sender_id: str) -> list[dict[str, Any]]:
    """Every event of the conversation, every session, oldest first (a person's export)."""
    query = sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id).order_by(EVENTS.c.id)
    return [json.loads(data) for (data,) in reader.execute(query)]


def event_counts(connection: Connection, senders: Iterable[str]) -> dict[str, int]:
    """sender -> number of stored events of any type (a sender with none is absent)."""
    return _counts(connection, senders, None)


def distinct_senders(connection: Connection) -> list[str]:
    """Every sender with a stored event: tickets keep only a hash of their conversation's id,
    so finding that conversation means hashing each sender (a scan of the sender index, cheap
    for the conversations that retention keeps)."""
    return [sender for (sender,) in connection.execute(sa.select(EVENTS.c.sender_id).distinct())]


def user_message_counts(connection: Connection, senders: Iterable[str]) -> dict[str, int]:
    """sender -> number of stored user messages (a sender with none is absent)."""
    return _counts(connection, senders, USER)


def _counts(
    connection: Connection, senders: Iterable[str], type_name: str | None
) -> dict[str, int]:
    wanted = list(senders)
    counts: dict[str, int] = {}
    for start in range(0, len(wanted), BATCH):
        query = (
            sa.select(EVENTS.c.sender_id, sa.func.count())
            .where(EVENTS.c.sender_id.in_(wanted[start : start + BATCH]))
            .group_by(EVENTS.c.sender_id)
        )
        if type_name is not None:
            query = query.where(EVENTS.c.type_name == type_name)
        counts.update({sender: int(count) for sender, count in connection.execute(query)})
    return counts


def exists(engine: Engine) -> bool:
    """Has Rasa created the table yet? (A store nobody has written to has none.)"""
    return sa.inspect(engine).has_table(EVENTS.name)


# The tracker store's bounded reads for a compact tracker (tracker_compaction.py plans them).


def latest_rows(
    reader: Reader, sender_id: str, start: float | None, limit: int
) -> list[tuple[int, str, str | None]]:
    """(id, type, action name) of the session's last ``limit`` events, in stored order."""
    columns = sa.select(EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.action_name)
    query = in_latest_session(columns, sender_id, start).order_by(EVENTS.c.id.desc()).limit(limit)
    return [tuple(row) for row in reversed(reader.execute(query).all())]


def latest_of_kinds(
    reader: Reader, sender_id: str, start: float | None, before_id: int, kinds: Iterable[str]
) -> list[tuple[int, str, str | None]]:
    """The latest (id, type, action name) of each type and name among ``kinds``, before an id.

    One aggregate query: the database reads the older rows once, Python never sees them.
    """
    query = (
        sa.select(sa.func.max(EVENTS.c.id), EVENTS.c.type_name, EVENTS.c.action_name)
        .where(EVENTS.c.id < before_id)
        .where(EVENTS.c.type_name.in_(list(kinds)))
        .group_by(EVENTS.c.type_name, EVENTS.c.action_name)
    )
    return [tuple(row) for row in reader.execute(in_latest_session(query, sender_id, start))]


def last_user_before(
    reader: Reader, sender_id: str, start: float | None, event_id: int
) -> int | None:
    """Id of the session's last user message before ``event_id``."""
    query = (
        sa.select(sa.func.max(EVENTS.c.id))
        .where(EVENTS.c.id < event_id)
        .where(EVENTS.c.type_name == USER)
    )
    return reader.execute(in_latest_session(query, sender_id, start)).scalar()


def session_data(
    reader: Reader,
    sender_id: str,
    start: float | None,
    from_id: int | None = None,
    also_ids: Iterable[int] = (),
) -> list[str]:
    """The ``data`` of the session's rows from ``from_id`` on plus ``also_ids`` (every row if
    ``from_id`` is None), in stored order."""
    query = in_latest_session(sa.select(EVENTS.c.data), sender_id, start)
    if from_id is not None:
        query = query.where(sa.or_(EVENTS.c.id >= from_id, EVENTS.c.id.in_(list(also_ids))))
    return [data for (data,) in reader.execute(query.order_by(EVENTS.c.id))]
