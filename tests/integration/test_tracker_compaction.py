"""Compact trackers keep the whole state and the store keeps every event (SQLite, PostgreSQL).

The conversation is driven turn by turn the way Rasa drives it (retrieve, update, save), so the
saves go through the compact trackers' own bookkeeping; a full replay of the same events is
the reference for every slot, the form, its requested slot and the fallback's second miss.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

import bot.rasa_ext.tracker_store
from bot.conversation_history import whole_session
from bot.fallback import is_second_miss
from bot.handoff.transcript import transcript
from bot.processes.endpoints import write_endpoints
from bot.rasa_ext.tracker_compaction import KEEP_USER_TURNS
from bot.rasa_ext.tracker_store import RedactingSQLTrackerStore
from bot.settings import Settings

pytest_plugins = ["tests.integration.databases"]

DOMAIN = Domain.from_dict(
    {
        "intents": ["faq", "walkthrough_done", "affirm", "nlu_fallback", "request_person"],
        "slots": {
            name: {"type": "text", "mappings": [{"type": "custom"}]}
            for name in (
                "walkthrough",
                "walkthrough_step",
                "walkthrough_status",
                "platform",
                "language",
                "ticket_name",
                "ticket_username",
            )
        },
        "forms": {"ticket_form": {"required_slots": ["ticket_name", "ticket_username"]}},
        "actions": ["action_walkthrough", "action_fallback"],
        "responses": {"utter_walkthrough": [{"text": "step"}]},
    }
)
SENDER = "long-conversation"


class Clock:
    """Strictly increasing timestamps, as a real conversation has."""

    def __init__(self) -> None:
        self.now = time.time() - 3600

    def __call__(self) -> float:
        self.now += 0.5
        return self.now


def user(clock: Clock, text: str, intent: str) -> list[Event]:
    return [
        ActionExecuted("action_listen", timestamp=clock()),
        UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=clock()),
    ]


def walkthrough_turn(clock: Clock, step: int) -> list[Event]:
    return [
        *user(clock, "/walkthrough_done", "walkthrough_done"),
        ActionExecuted("action_walkthrough", timestamp=clock()),
        SlotSet("walkthrough_step", str(step), timestamp=clock()),
        SlotSet("walkthrough_status", "active", timestamp=clock()),
        ActionExecuted("utter_walkthrough", timestamp=clock()),
        BotUttered(f"Step {step}", timestamp=clock()),
    ]


def faq_turn(clock: Clock, number: int) -> list[Event]:
    return [
        *user(clock, f"question {number}", "faq"),
        ActionExecuted("utter_faq", timestamp=clock()),
        BotUttered(f"answer {number}", timestamp=clock()),
    ]


def conversation_turns(form_questions: int = KEEP_USER_TURNS + 3) -> Iterator[list[Event]]:
    """A session start, a language, a walkthrough, FAQs, a form begun long ago, a miss."""
    clock = Clock()
    yield [
        ActionExecuted("action_session_start", timestamp=clock()),
        SessionStarted(timestamp=clock()),
        SlotSet("language", "da", timestamp=clock()),
        SlotSet("platform", "android", timestamp=clock()),
    ]
    yield [
        *user(clock, "start", "walkthrough_done"),
        ActionExecuted("action_walkthrough", timestamp=clock()),
        SlotSet("walkthrough", "first_setup", timestamp=clock()),
    ]
    for step in range(1, 25):
        yield walkthrough_turn(clock, step) if step % 3 else faq_turn(clock, step)
    yield [
        *user(clock, "I want a person", "request_person"),
        ActionExecuted("ticket_form", timestamp=clock()),
        ActiveLoop("ticket_form", timestamp=clock()),
        SlotSet("requested_slot", "ticket_name", timestamp=clock()),
    ]
    yield [
        *user(clock, "Ida Thomsen", "faq"),
        ActionExecuted("ticket_form", timestamp=clock()),
        SlotSet("ticket_name", "Ida Thomsen", timestamp=clock()),
        SlotSet("requested_slot", "ticket_username", timestamp=clock()),
    ]
    for number in range(form_questions):  # questions in the middle of the form
        yield faq_turn(clock, 100 + number)
    # Rasa's own "back" (the /back intent) undoes a turn; within the recent turns that is replayed.
    yield [*faq_turn(clock, 99), UserUtteranceReverted(timestamp=clock())]
    yield [
        *user(clock, "asdf", "nlu_fallback"),
        ActionExecuted("utter_fallback_topics", timestamp=clock()),
        BotUttered("Did you mean ...", timestamp=clock()),
    ]
    yield user(clock, "no", "nlu_fallback")


@pytest.fixture(params=[None, 60], ids=["session-in-hand", "older-rows-in-sql"])
def tail_rows(request, monkeypatch) -> None:
    """The store reads a bounded tail of rows; 60 makes it ask SQL about the older ones."""
    if request.param is not None:
        monkeypatch.setattr(bot.rasa_ext.tracker_store, "TAIL_ROWS", request.param)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path: Path, tail_rows: None) -> Iterator[RedactingSQLTrackerStore]:
    url = "" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    settings = Settings(var_dir=tmp_path, tracker_store_url=url)
    endpoints = AvailableEndpoints.read_endpoints(str(write_endpoints(settings)))
    store = create_tracker_store(endpoints.tracker_store, DOMAIN)
    assert isinstance(store, RedactingSQLTrackerStore) and store.compact
    yield store
    store.engine.dispose()


def converse(store: RedactingSQLTrackerStore, form_questions: int | None = None) -> list[Event]:
    """Every turn as Rasa does it: retrieve (compact), append the turn's events, save."""
    sent: list[Event] = []
    turns = conversation_turns() if form_questions is None else conversation_turns(form_questions)
    for turn in turns:
        tracker = asyncio.run(store.retrieve(SENDER)) or DialogueStateTracker(SENDER, DOMAIN.slots)
        for event in turn:
            tracker.update(event, DOMAIN)
        asyncio.run(store.save(tracker))
        sent.extend(turn)
    return sent


def stored_rows(store: RedactingSQLTrackerStore) -> list[dict]:
    with store.engine.connect() as connection:
        query = sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id")
        return [json.loads(data) for (data,) in connection.execute(query, {"s": SENDER})]


def test_every_event_is_stored_once_and_in_order(store):
    sent = converse(store)
    assert stored_rows(store) == [event.as_dict() for event in sent]
    full = asyncio.run(store.retrieve_full_tracker(SENDER))
    assert list(full.events) == sent


@pytest.mark.parametrize(
    "form_questions", [KEEP_USER_TURNS + 3, 60], ids=["form", "form-open-long"]
)
def test_the_compact_tracker_has_the_full_replays_state(store, form_questions: int):
    """With the store reading 60 rows, a form open for 60 questions began outside them."""
    sent = converse(store, form_questions)
    reference = DialogueStateTracker.from_events(SENDER, sent, DOMAIN.slots)
    compact = asyncio.run(store.retrieve(SENDER))

    assert len(compact.events) < min(len(sent) / 2, 120)  # it is compact ...
    assert compact.current_slot_values() == reference.current_slot_values()  # ... and complete
    assert compact.get_slot("walkthrough") == "first_setup"
    assert compact.get_slot("walkthrough_step") == "23"
    assert compact.get_slot("language") == "da"
    assert compact.active_loop_name == "ticket_form"
    assert compact.active_loop == reference.active_loop  # trigger message included
    assert compact.get_slot("requested_slot") == "ticket_username"
    assert compact.latest_message == reference.latest_message
    assert compact.latest_action_name == reference.latest_action_name
    # The policies see the same recent history: the last states, more than any rule reads.
    assert compact.past_states(DOMAIN)[-6:] == reference.past_states(DOMAIN)[-6:]


def test_an_undo_before_the_recent_turns_loads_the_whole_session(store):
    clock = Clock()
    turns = [[*faq_turn(clock, 1), UserUtteranceReverted(timestamp=clock())]]
    turns += [faq_turn(clock, number) for number in range(2, 12)]
    for turn in turns:
        tracker = asyncio.run(store.retrieve(SENDER)) or DialogueStateTracker(SENDER, DOMAIN.slots)
        for event in turn:
            tracker.update(event, DOMAIN)
        asyncio.run(store.save(tracker))
    sent = [event for turn in turns for event in turn]
    assert list(asyncio.run(store.retrieve(SENDER)).events) == sent


def test_the_fallbacks_second_miss_is_seen_in_a_compact_tracker(store):
    converse(store)
    compact = asyncio.run(store.retrieve(SENDER))
    events = [event.as_dict() for event in compact.events]
    assert is_second_miss(events)


def test_the_ticket_transcript_reads_the_whole_stored_session(store):
    sent = converse(store)
    compact = asyncio.run(store.retrieve(SENDER))
    in_flight = [BotUttered("Shall I create a ticket?", timestamp=time.time())]
    for event in in_flight:
        compact.update(event, DOMAIN)
    events = [event.as_dict() for event in compact.events]
    url = store.engine.url.render_as_string(hide_password=False)

    whole = whole_session(SENDER, events, url)

    everything = [event.as_dict() for event in [*sent, *in_flight]]
    assert transcript(whole) == transcript(everything)
    assert len(transcript(whole)) > len(transcript(events))  # more than the recent turns
    assert whole_session(SENDER, events, "sqlite:////nonexistent/dir/x.db") == events


def test_a_tracker_made_elsewhere_is_saved_the_stock_way(store):
    converse(store)
    before = len(stored_rows(store))
    # Stock Rasa's retrieve (the whole session, no mark): new events are found by counting.
    full = asyncio.run(SQLTrackerStore.retrieve(store, SENDER))
    full.update(UserUttered("one more", {"name": "faq"}), DOMAIN)
    asyncio.run(store.save(full))
    rows = stored_rows(store)
    assert len(rows) == before + 1 and rows[-1]["text"] == "one more"
