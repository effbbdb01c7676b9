"""Did every answered message reach the tracker store? Counted from the store itself.

A 200 with an answer proves the user saw a reply, not that the conversation was saved: a lost
write only shows on the next message, or after a restart. Counting the stored user messages of
each simulated sender closes that gap. Read-only; works on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import create_engine

from bot.rasa_ext import events_table


def stored_user_messages(tracker_store_url: str, senders: Iterable[str]) -> dict[str, int]:
    """sender -> number of user messages in Rasa's `events` table."""
    engine = create_engine(tracker_store_url, future=True)
    try:
        with engine.connect() as connection:
            return events_table.user_message_counts(connection, senders)
    finally:
        engine.dispose()


def missing_messages(answered: Mapping[str, int], stored: Mapping[str, int]) -> int:
    """Messages answered with a 200 but absent from the store (never negative per sender)."""
    return sum(max(0, count - stored.get(sender, 0)) for sender, count in answered.items())
