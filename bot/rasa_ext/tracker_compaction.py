"""Which stored events a compact tracker needs: the recent turns plus the latest value of each slot.

Stock Rasa rebuilds the tracker from every event of the session on every message, and then
every policy, every action-server call and the save walk all of them again, so a long
conversation (a walkthrough is many button presses) answers slower with each turn. The policies
only look at the last few turns (rules span a turn or two; context_policy.py reads the last
question asked and the last message), so the tracker Rasa gets holds:

- the latest stored ``slot`` event of every slot set before the window (real events, in their
  stored order), which recreate every slot value the conversation has at the window's start;
- every event from the ``action_listen`` before the last ``KEEP_USER_TURNS`` user messages on,
  moved further back while a form is active at that point, so the form's activation (its
  trigger message, the loop bookkeeping of ``applied_events``) is replayed from real events;
- unless that form was opened more than ``FORM_USER_TURNS`` user turns ago (a form left open
  while the user asked about other things, for as long as they like): then the
  window stays where it is and the form's activation and the user message that triggered it
  are kept, like the slot events, so the form is still active with the same trigger message,
  and loading the conversation does not grow with the time the form has been open.

Replaying that subsequence gives the same slots, active loop and requested slot as replaying
the whole session, as long as nothing before the window undoes events (``rewind``, ``undo``)
or pauses the conversation; then, and for short sessions, the whole session is loaded as before.
This module decides only on ``(id, type, name)`` of the stored rows, so it is tested without a
database. The store (bot/rasa_ext/tracker_store.py) hands it the session's latest rows and answers
"what lies before the window" with aggregate queries, then reads the ``data`` of just the
chosen rows: the cost of a retrieve does not grow with the conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Five user turns: more than any rule or our policies read (two turns at most), and what the
# actions read back from the recent messages (a platform named a few turns ago: "said before",
# bot/onboarding/said_before.py) stays in reach. The window is fixed, so its margin costs the
# same on the fifth turn and the two-hundredth (docs/benchmarks.md, long conversations).
KEEP_USER_TURNS = 5
# A form opened further back than this many user turns is kept by its activation alone.
FORM_USER_TURNS = 15
# Before the window, these change state in a way a subsequence of events cannot reproduce.
UNCOMPACTABLE = frozenset({"rewind", "undo", "pause", "resume"})
# Before the window, these reset every slot: slot events before them no longer count.
SLOT_RESETS = frozenset({"session_started", "restart", "reset_slots"})
LISTEN = "action_listen"


@dataclass(frozen=True)
class StoredEvent:
    """One row of Rasa's ``events`` table without its data: id, ``type_name``, ``action_name``.

    ``action_name`` holds the event's "name": the action's for ``action``, the slot's for
    ``slot``, the loop's (or None) for ``active_loop``.
    """

    id: int
    type_name: str
    name: str | None


def _listen_before(rows: Sequence[StoredEvent], index: int) -> int | None:
    """Index of the ``action_listen`` at or before ``index``, None if there is none."""
    for position in range(index, -1, -1):
        if rows[position].type_name == "action" and rows[position].name == LISTEN:
            return position
    return None


def _last_user_before(rows: Sequence[StoredEvent], index: int) -> int | None:
    for position in range(index - 1, -1, -1):
        if rows[position].type_name == "user":
            return position
    return None


@dataclass(frozen=True)
class BeforeWindow:
    """What the events before a window start tell: the form active there, undos, slot events."""

    active_loop_event: StoredEvent | None  # the latest ``active_loop`` since the last reset
    undone: bool  # an UNCOMPACTABLE event before the window
    slot_event_ids: list[int]  # latest ``slot`` event of each slot since the last reset
    # The last ``user`` event before ``active_loop_event``; the store leaves it None when that
    # form began among the rows compact_plan has (it finds the message there).
    loop_trigger_id: int | None = None


def before_window(rows: Sequence[StoredEvent], window_from: int) -> BeforeWindow:
    """The facts from a whole session's rows (the store asks its database for long sessions)."""
    before = [row for row in rows if row.id < window_from]
    resets = [index for index, row in enumerate(before) if row.type_name in SLOT_RESETS]
    since_reset = before[resets[-1] + 1 if resets else 0 :]
    latest_slot_event = {row.name: row.id for row in since_reset if row.type_name == "slot"}
    loops = [row for row in since_reset if row.type_name == "active_loop"]
    loop = loops[-1] if loops else None
    users = [row.id for row in before if row.type_name == "user" and loop and row.id < loop.id]
    return BeforeWindow(
        active_loop_event=loop,
        undone=any(row.type_name in UNCOMPACTABLE for row in before),
        slot_event_ids=sorted(latest_slot_event.values()),
        loop_trigger_id=users[-1] if users else None,
    )


@dataclass(frozen=True)
class CompactPlan:
    """The rows of a compact tracker: these older events, then every event from ``window_from``.

    The older events are the latest of each slot, and an open form's activation when it lies
    outside the rows read.
    """

    older_event_ids: list[int]
    window_from: int


def compact_plan(
    rows: Sequence[StoredEvent],
    keep_user_turns: int = KEEP_USER_TURNS,
    before: Callable[[int], BeforeWindow] | None = None,
) -> CompactPlan | None:
    """Which stored events a compact tracker is built from.

    ``rows`` are the session's latest rows (all of them when ``before`` is None); ``before``
    tells what lies before a window start. None means "load every event of the session":
    a short session, or an undo before the window.
    """
    ask = before or (lambda window_from: before_window(rows, window_from))
    users = [index for index, row in enumerate(rows) if row.type_name == "user"]
    if len(users) <= keep_user_turns:
        return None
    # Rows before this index are too far back to move the window to for an open form.
    form_reach = users[-FORM_USER_TURNS] if len(users) >= FORM_USER_TURNS else 0
    start = _listen_before(rows, users[-keep_user_turns])
    while start is not None:
        facts = ask(rows[start].id)
        loop = facts.active_loop_event
        if loop is None or loop.name is None:  # no form active where the window begins
            return None if facts.undone else CompactPlan(facts.slot_event_ids, rows[start].id)
        activation = next((i for i, row in enumerate(rows) if row.id == loop.id), None)
        user = _last_user_before(rows, activation) if activation is not None else None
        if activation is None or activation < form_reach:  # keep its activation, not all since
            if facts.undone:
                return None
            trigger = rows[user].id if user is not None else facts.loop_trigger_id
            anchors = {loop.id} if trigger is None else {loop.id, trigger}
            return CompactPlan(sorted({*facts.slot_event_ids, *anchors}), rows[start].id)
        start = _listen_before(rows, user) if user is not None else None
    return None
