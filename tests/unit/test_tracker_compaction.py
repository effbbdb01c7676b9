"""Which stored rows a compact tracker is built from (bot/rasa_ext/tracker_compaction.py)."""

from __future__ import annotations

from bot.rasa_ext.tracker_compaction import CompactPlan, StoredEvent, before_window, compact_plan


class Rows:
    """Builds stored rows with increasing ids, turn by turn."""

    def __init__(self) -> None:
        self.rows: list[StoredEvent] = []

    def add(self, type_name: str, name: str | None = None) -> int:
        self.rows.append(StoredEvent(len(self.rows) + 1, type_name, name))
        return len(self.rows)

    def turn(self, *slots: str) -> int:
        """listen, user, an action, slot events; returns the listen's id."""
        listen = self.add("action", "action_listen")
        self.add("user")
        self.add("action", "action_walkthrough")
        for slot in slots:
            self.add("slot", slot)
        return listen


def test_a_short_session_is_loaded_whole():
    rows = Rows()
    rows.add("session_started")
    for _ in range(5):
        rows.turn("walkthrough_step")
    assert compact_plan(rows.rows, keep_user_turns=5) is None


def test_the_latest_event_of_each_slot_and_the_recent_turns():
    rows = Rows()
    rows.add("session_started")
    language = rows.add("slot", "language")
    rows.turn("walkthrough_step")
    step = rows.turn("walkthrough_step") + 3  # after its listen, user and action
    start = rows.turn()
    rows.turn()
    assert compact_plan(rows.rows, keep_user_turns=2) == CompactPlan([language, step], start)


def test_an_active_form_moves_the_window_back_to_its_activation():
    rows = Rows()
    rows.add("session_started")
    rows.turn()
    activation_turn = rows.turn()
    rows.add("active_loop", "ticket_form")
    rows.add("slot", "requested_slot")
    for _ in range(4):
        rows.turn("ticket_name")
    assert compact_plan(rows.rows, keep_user_turns=2).window_from == activation_turn


def test_a_form_opened_before_the_rows_in_hand_is_kept_by_its_activation():
    rows = Rows()
    rows.add("session_started")
    rows.turn()
    trigger = rows.turn() + 1  # the user message after the listen
    activation = rows.add("active_loop", "ticket_form")
    requested = rows.add("slot", "requested_slot")
    for _ in range(30):  # questions about other things while the form stays open
        rows.turn()
    tail = rows.rows[-20:]  # what the store reads; it asks SQL about the rest

    plan = compact_plan(tail, keep_user_turns=2, before=lambda at: before_window(rows.rows, at))

    assert plan.older_event_ids == [trigger, activation, requested]
    assert plan.window_from == tail[-6].id  # the last two turns, not back to the form's start


def test_a_restart_closes_a_form_opened_before_it():
    rows = Rows()
    rows.add("session_started")
    rows.turn()
    rows.add("active_loop", "ticket_form")
    rows.turn()
    rows.add("restart")
    for _ in range(3):
        rows.turn()
    start = rows.turn()
    rows.turn()
    assert compact_plan(rows.rows, keep_user_turns=2) == CompactPlan([], start)


def test_a_finished_form_does_not_move_the_window():
    rows = Rows()
    rows.add("session_started")
    rows.turn()
    rows.add("active_loop", "ticket_form")
    rows.turn()
    rows.add("active_loop", None)
    for _ in range(3):
        rows.turn()
    start = rows.turn()
    rows.turn()
    assert compact_plan(rows.rows, keep_user_turns=2).window_from == start


def test_slot_events_before_a_reset_are_not_needed():
    rows = Rows()
    rows.add("session_started")
    rows.turn("walkthrough_step", "platform")
    rows.add("reset_slots")
    rows.turn()
    platform = rows.add("slot", "platform")
    for _ in range(3):
        rows.turn()
    assert compact_plan(rows.rows, keep_user_turns=2).older_event_ids == [platform]


def test_an_undo_before_the_window_loads_the_whole_session():
    rows = Rows()
    rows.add("session_started")
    rows.turn("walkthrough_step")
    rows.add("rewind")
    for _ in range(4):
        rows.turn()
    assert compact_plan(rows.rows, keep_user_turns=2) is None
