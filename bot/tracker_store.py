"""Rasa's SQL tracker store, storing conversations with secrets redacted (bot/safety.py).

During a turn Rasa keeps the user's exact words in memory (the practice check needs the digits
it was just sent); only what goes to the database is redacted. Later turns load the redacted
events, so a password or one-time code typed into the chat is never at rest anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.safety import redact_event


class RedactingSQLTrackerStore(SQLTrackerStore):
    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        for event in super()._additional_events(session, tracker):
            data = event.as_dict()
            redacted = redact_event(data)
            yield event if redacted is data else Event.from_parameters(redacted)
