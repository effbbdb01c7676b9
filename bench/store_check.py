"""Did every answered message reach the tracker store? Counted from the store itself.

A 200 with an answer proves the user saw a reply, not that the conversation was saved: a lost
write only shows on the next message, or after a restart. Counting the stored user messages of
each simulated sender closes that gap. Read-only; works on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import create_engine, text


def stored_user_messages(tracker_store_url: str, senders: Iterable[str]) -> dict[str, int]:
    """sender -> number of user messages in Rasa's `events` table."""
    wanted = list(senders)
    counts: dict[str, int] = {}
    engine = create_engine(tracker_store_url, future=True)
    try:
        with engine.connect() as connection:
            for start in range(0, len(wanted), 500):
                batch = wanted[start : start + 500]
                names = ", ".join(f":s{i}" for i in range(len(batch)))
                rows = connection.execute(
                    text(
                        "SELECT sender_id, COUNT(*) FROM events "
                        f"WHERE type_name = 'user' AND sender_id IN ({names}) GROUP BY sender_id"
                    ),
                    {f"s{i}": sender for i, sender in enumerate(batch)},
                )
                counts.update({sender: int(count) for sender, count in rows})
    finally:
        engine.dispose()
    return counts


def missing_messages(answered: Mapping[str, int], stored: Mapping[str, int]) -> int:
    """Messages answered with a 200 but absent from the store (never negative per sender)."""
    return sum(max(0, count - stored.get(sender, 0)) for sender, count in answered.items())
