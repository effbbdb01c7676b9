"""Rasa's SQL tracker store, storing conversations redacted and loading them compacted.

Redaction: during a turn Rasa keeps the user's exact words in memory (the practice check needs
the digits it was just sent); only what goes to the database is redacted (bot/safety.py). Later
turns load the redacted events, so a password or one-time code typed into the chat is never at
rest anywhere.

Compaction: stock Rasa loads and replays every event of the session on each message, and the
policies, the action server's copy of the tracker and the save then walk all of them again, so
latency grows with the conversation. ``retrieve`` here gives Rasa a compact tracker: the latest
event of each slot plus the recent turns (tracker_compaction.py decides which rows), with
the same slots, form and walkthrough state. The database still receives every event, in order;
``retrieve_full_tracker`` (Rasa's HTTP API, exports) still returns them all.

Saving: stock Rasa decides which events are new by counting the stored rows of the session and
skipping that many tracker events, which a compact tracker would get wrong. A tracker this store
hands out remembers how many of its events are already stored (``PERSISTED_ATTR``); only events
after those are inserted. Trackers made elsewhere (a new conversation, Rasa's "replace events"
API) carry no mark and are saved the stock way. Nothing is cached between messages: each
retrieve reads the shared database, so several Rasa replicas (Redis lock store) stay consistent.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
from sqlalchemy.orm import sessionmaker

from bot.db import make_engine
from bot.insights import recording as insights
from bot.insights.tables import ensure_tables as ensure_insight_tables
from bot.metrics import chat as metrics
from bot.rasa_ext import events_table
from bot.rasa_ext.tracker_compaction import (
    SLOT_RESETS,
    UNCOMPACTABLE,
    BeforeWindow,
    StoredEvent,
    compact_plan,
)
from bot.safety import redact_event

log = logging.getLogger(__name__)

# Set on trackers this store returns or saved: how many of tracker.events are in the database.
PERSISTED_ATTR = "_mfa_persisted_events"
# Rows read to find the window (about 40 turns); older ones are only aggregated in SQL.
TAIL_ROWS = 400


@lru_cache(maxsize=1)
def _event_classes() -> dict[str, type[Event]]:
    """Event classes by type name, looked up once.

    Rasa's Event.from_parameters walks every Event subclass for every event it reads (in the
    profile: 0.2 ms an event, most of the time a stored tracker takes to load).
    """
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)  # the first match wins, as in resolve_by_type
    return classes


def _deserialise(data: dict[str, Any]) -> Event | None:
    """Event.from_parameters with the class lookup cached; unknown types go the stock way."""
    cls = _event_classes().get(data.get("event") or "")
    return cls._from_parameters(data) if cls is not None else Event.from_parameters(data)


def create_tables(url: str) -> None:
    """Rasa's ``events`` table and the insights' table, where missing, before any replica runs.

    Each Rasa server creates them at start-up; several replicas starting at once on a new
    database would race to, and one would fail. ``python -m bot prepare`` and the production
    profile call this first.
    """
    engine = make_engine(url)
    try:
        SQLTrackerStore.Base.metadata.create_all(engine, checkfirst=True)
        ensure_insight_tables(engine)
    finally:
        engine.dispose()


def persisted_count(tracker: DialogueStateTracker) -> int | None:
    """How many of the tracker's events are stored already; None for a tracker made elsewhere."""
    return getattr(tracker, PERSISTED_ATTR, None)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that redacts secrets before saving and retrieves compact trackers."""

    def __init__(
        self, domain: Domain | None = None, compact: bool | None = None, **kwargs: Any
    ) -> None:
        from bot.settings import get_settings

        if compact is None:
            compact = get_settings().tracker_compaction
        self.compact = compact
        self.zone = get_settings().service_hours.zone  # the insights' local days and hours
        super().__init__(domain, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # Rasa's own SQLite engine opens the file anew for every session: ours pools it.
            url = self.engine.url.render_as_string(hide_password=False)
            self.engine.dispose()
            self.engine = make_engine(url)
            self.sessionmaker = sessionmaker(bind=self.engine)
        ensure_insight_tables(self.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The latest session's tracker: compact when the session is long, else in full."""
        if not self.compact:
            return await super().retrieve(sender_id)
        with self.session_scope() as session:
            start = events_table.latest_session_start(session, sender_id)
            rows = [
                StoredEvent(*row)
                for row in events_table.latest_rows(session, sender_id, start, TAIL_ROWS)
            ]
            if not rows:
                return None
            if len(rows) < TAIL_ROWS:  # the whole session is in hand
                plan = compact_plan(rows)
            else:
                first_user = next((row.id for row in rows if row.type_name == "user"), None)
                plan = compact_plan(
                    rows, before=lambda at: self._before(session, sender_id, start, at, first_user)
                )
            data = (
                events_table.session_data(session, sender_id, start)
                if plan is None
                else events_table.session_data(
                    session, sender_id, start, plan.window_from, plan.older_event_ids
                )
            )
        events = [_deserialise(json.loads(item)) for item in data]
        tracker = DialogueStateTracker.from_events(
            sender_id, [event for event in events if event is not None], self.domain.slots
        )
        setattr(tracker, PERSISTED_ATTR, len(tracker.events))
        if plan is not None:
            log.debug("Compact tracker for %s: %d events", sender_id, len(data))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        if self.compact:
            setattr(tracker, PERSISTED_ATTR, len(tracker.events))

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        stored = persisted_count(tracker) if self.compact else None
        if stored is None:
            new_events = super()._additional_events(session, tracker)
        else:
            new_events = itertools.islice(tracker.events, stored, None)
        intents = self.domain.intents if self.domain else ()
        saved: list[dict[str, Any]] = []
        for event in new_events:
            data = event.as_dict()
            metrics.observe_events((data,), intents)  # each event is saved once, so counted once
            redacted = redact_event(data)
            saved.append(redacted)
            yield event if redacted is data else Event.from_parameters(redacted)
        # Rasa commits the session after the last event: the message's facts go in with it.
        insights.record_turn(session, tracker, saved, self.zone)

    def _before(
        self,
        session: Any,
        sender_id: str,
        start: float | None,
        window_from: int,
        first_user: int | None,
    ) -> BeforeWindow:
        """tracker_compaction.before_window from one aggregate query over the older rows.

        The message that opened a form is asked for only when it lies before the rows in hand,
        i.e. the form began before their ``first_user`` message: otherwise compact_plan finds
        it among them.
        """
        kinds = {"slot", "active_loop", *SLOT_RESETS, *UNCOMPACTABLE}
        latest = [
            StoredEvent(*row)
            for row in events_table.latest_of_kinds(session, sender_id, start, window_from, kinds)
        ]
        last_reset = max((row.id for row in latest if row.type_name in SLOT_RESETS), default=0)
        loops = [row for row in latest if row.type_name == "active_loop" and row.id > last_reset]
        loop = max(loops, key=lambda row: row.id) if loops else None
        trigger = None  # the message that opened the form, if it lies before the rows in hand
        open_form = loop if loop is not None and loop.name is not None else None
        if open_form is not None and (first_user is None or open_form.id < first_user):
            trigger = events_table.last_user_before(session, sender_id, start, open_form.id)
        return BeforeWindow(
            active_loop_event=loop,
            undone=any(row.type_name in UNCOMPACTABLE for row in latest),
            slot_event_ids=sorted(
                row.id for row in latest if row.type_name == "slot" and row.id > last_reset
            ),
            loop_trigger_id=trigger,
        )
