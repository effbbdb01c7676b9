"""A message waiting behind a dead replica's ticket is still in the queue when it expires."""

from __future__ import annotations

import pytest
from rasa.core.lock import TicketLock

from bot.rasa_ext import lock_tickets

LIFETIME = 15.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("rasa.core.lock.time.time", clock)
    monkeypatch.setattr("bot.rasa_ext.lock_tickets.time.time", clock)
    return clock


def waiter_after_a_dead_holder(clock: Clock, issue) -> tuple[TicketLock, int]:
    """A replica took ticket 1 and died; 0.3 s later the next message takes a ticket and
    looks once a second, as Rasa's lock store does, until the dead ticket has expired."""
    lock = TicketLock("c")
    issue(lock, LIFETIME)  # the dead replica's
    clock.now += 0.3
    waiting = issue(lock, LIFETIME)
    while clock.now < 1000.0 + LIFETIME + 1:
        clock.now += 1.0
        lock.remove_expired_tickets()  # LockStore.update_lock after each second's sleep
    return lock, waiting


def test_stock_rasa_drops_the_waiting_ticket_with_the_dead_one(clock):
    assert TicketLock.issue_ticket is not lock_tickets.issue_ticket  # not installed here
    lock, waiting = waiter_after_a_dead_holder(clock, TicketLock.issue_ticket)
    assert lock.is_locked(waiting) and not lock.tickets  # never served: its ticket is gone


def test_the_waiting_ticket_outlives_the_dead_one_and_is_served(clock):
    lock, waiting = waiter_after_a_dead_holder(clock, lock_tickets.issue_ticket)
    assert not lock.is_locked(waiting)
    # and it holds the lock a whole lifetime from when the dead one's ran out
    ticket = lock.tickets[0]
    assert ticket.number == waiting and ticket.expires == pytest.approx(1000.0 + 2 * LIFETIME)


def test_a_ticket_with_nobody_ahead_lives_one_lifetime(clock):
    lock = TicketLock("c")
    lock_tickets.issue_ticket(lock, LIFETIME)
    assert lock.tickets[0].expires == 1000.0 + LIFETIME
    lock.remove_ticket_for(lock.tickets[0].number)  # its message was answered
    clock.now += 1
    number = lock_tickets.issue_ticket(lock, LIFETIME)
    assert not lock.is_locked(number) and lock.tickets[0].expires == 1001.0 + LIFETIME
