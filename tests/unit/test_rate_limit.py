"""The per-sender rate: a burst is cut off, a sender within the rate is never refused."""

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
    assert limiter.check("a") == 10  # one message's share of the minute is 20 seconds
    assert limiter.check("b") == 0  # other senders are not affected


def test_waiting_makes_room_again():
    clock = Clock()
    limiter = RateLimiter(limit=2, window_seconds=60, clock=clock)
    assert [limiter.check("a") for _ in range(3)] == [0, 0, 30]
    clock.now += 30
    assert limiter.check("a") == 0
    assert limiter.check("a") > 0


def test_a_sender_under_the_limit_in_every_minute_is_never_refused():
    """10 messages at the end of one minute and 25 in the next: 35 in a sliding minute, which
    a count over the last 60 seconds refused (the 429 someone well under 30 a minute got)."""
    clock = Clock()
    limiter = RateLimiter(limit=30, window_seconds=60, clock=clock)
    waits = []
    for second in [*range(50, 60), *range(60, 110, 2)]:
        clock.now = 1000.0 + second
        waits.append(limiter.check("a"))
    assert len(waits) == 35 and waits == [0] * 35


def test_a_flood_is_held_to_the_rate():
    clock = Clock()
    limiter = RateLimiter(limit=30, window_seconds=60, clock=clock)
    accepted = 0
    for _ in range(10 * 60 * 10):  # ten messages a second for ten minutes
        accepted += limiter.check("flood") == 0
        clock.now += 0.1
    assert accepted <= 30 + 30 * 10  # the first burst, then 30 a minute


def test_idle_senders_are_forgotten():
    clock = Clock()
    limiter = RateLimiter(limit=2, window_seconds=60, clock=clock)
    for sender in range(1000):
        limiter.check(str(sender))
    clock.now += 120
    limiter.check("new")
    assert set(limiter._full_at) == {"new"}


def test_a_limit_that_does_not_divide_the_window_still_allows_the_whole_burst():
    limiter = RateLimiter(limit=7, window_seconds=60, clock=Clock())
    assert [limiter.check("a") for _ in range(8)] == [0] * 7 + [9]
