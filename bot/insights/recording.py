"""Writing a message's facts in the tracker store's transaction (bot/rasa_ext/tracker_store.py).

The store knows the session and the events a turn adds; this module turns them into the row of
insight_turns (turns.py decides its values) and marks the person's previous message when this
one says it again in other words.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import Session

from bot.insights.tables import TURNS
from bot.insights.turns import rephrase_of, rows_for_turn
from bot.safety import redact_event

log = logging.getLogger(__name__)
LANGUAGE_SLOT = "language"


def _before_turn(tracker: DialogueStateTracker, new_count: int) -> list[dict[str, Any]]:
    """The events before this turn's, back to and including the person's previous message.

    That is all turns.py looks at (the reply that asked for feedback, the message a rephrase
    repeats); converting the whole conversation to dicts on every message would not be cheap.
    """
    found: list[dict[str, Any]] = []
    # Newest first, skipping this turn's events; no copy of the whole conversation.
    for event in itertools.islice(reversed(tracker.events), new_count, None):
        found.append(redact_event(event.as_dict()))
        if isinstance(event, UserUttered):
            break
    return found[::-1]


def record_turn(
    session: Session,
    tracker: DialogueStateTracker,
    new_events: Sequence[dict[str, Any]],
    zone: ZoneInfo,
) -> None:
    """Add the turn's insight row to ``session`` (the caller commits it with the events)."""
    before = _before_turn(tracker, len(new_events))
    rows = rows_for_turn(
        tracker.sender_id,
        before,
        new_events,
        tracker.get_latest_input_channel(),
        tracker.get_slot(LANGUAGE_SLOT),
        zone,
    )
    if not rows:
        return
    previous = next((event for event in reversed(before) if event.get("event") == "user"), None)
    latest = next(event for event in reversed(new_events) if event.get("event") == "user")
    if rephrase_of(previous, latest):
        last = (
            sa.select(sa.func.max(TURNS.c.id))
            .where(TURNS.c.sender_id == tracker.sender_id)
            .scalar_subquery()
        )
        session.execute(sa.update(TURNS).where(TURNS.c.id == last).values(rephrased=True))
    session.execute(TURNS.insert(), rows)
