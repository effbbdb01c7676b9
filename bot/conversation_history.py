"""The whole current session for the action server, read from the tracker store.

Rasa hands actions a compact tracker (bot/rasa_ext/tracker_store.py): the slots and the last
few turns. That is all almost every action needs; the ticket is the exception: its transcript
shows the session's last 60 messages and the offer quotes what the user typed, possibly many button
presses ago. Those read the stored session here (once per ticket, not per message) and append
the turn's events Rasa has not stored yet, which are the ones after the last stored event.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.rasa_ext import events_table
from bot.settings import get_settings

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    """One pooled engine per tracker-store URL for the life of the action server."""
    return sa.create_engine(url, future=True, pool_pre_ping=True)


def stored_session(sender_id: str, url: str) -> list[dict[str, Any]]:
    """The latest session's stored events, oldest first."""
    with _engine(url).connect() as connection:
        return events_table.stored_session(connection, sender_id)


def _unsaved(events: Sequence[Mapping[str, Any]], last_stored: Mapping[str, Any]) -> list:
    """The tracker's events after the last stored one (matched by type and exact timestamp)."""
    key = (last_stored.get("event"), last_stored.get("timestamp"))
    for index in range(len(events) - 1, -1, -1):
        if (events[index].get("event"), events[index].get("timestamp")) == key:
            return list(events[index + 1 :])
    raise LookupError("the last stored event is not in the tracker")


def whole_session(
    sender_id: str, events: Sequence[Mapping[str, Any]], url: str | None = None
) -> list[Mapping[str, Any]]:
    """Every event of the current session: stored ones, then this turn's unsaved ones.

    Falls back to the tracker's own events (the recent turns) when the store cannot be read,
    so a ticket is still created, with a shorter transcript.
    """
    try:
        stored = stored_session(sender_id, url or get_settings().resolved_tracker_store_url)
        if not stored:
            return list(events)
        return stored + _unsaved(events, stored[-1])
    except (SQLAlchemyError, LookupError) as error:
        log.warning(
            "Using the recent turns only, the stored conversation is unavailable: %s", error
        )
        return list(events)
