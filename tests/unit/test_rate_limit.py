"""The sliding-window limiter: a burst is cut off, waiting lets the sender in again."""

from __future__ import annotations

from bot.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_over_the_limit_is_refused_with_the_wait():
    clock = Clock()
    limiter = RateLimiter(limit=3, window_seconds=60, clock=clock)
    assert [limiter.check("a") for _ in range(3)] == [0, 0, 0]
    clock.now += 10
    assert limiter.check("a") == 50
    assert limiter.check("b") == 0  # other senders are not affected


def test_the_window_slides():
    clock = Clock()
    limiter = RateLimiter(limit=2, window_seconds=60, clock=clock)
    limiter.check("a")
    clock.now += 30
    limiter.check("a")
    clock.now += 31  # the first message left the window
    assert limiter.check("a") == 0
    assert limiter.check("a") > 0


def test_idle_senders_are_forgotten():
    clock = Clock()
    limiter = RateLimiter(limit=2, window_seconds=60, clock=clock)
    for sender in range(1000):
        limiter.check(str(sender))
    clock.now += 120
    limiter.check("new")
    assert set(limiter._events) == {"new"}
