"""A replica's death under load: requests lost, and the time until every conversation answers.

On the production profile, simulated users send each next message the moment the answer
arrives (as a user who retries at once would, and so that messages are always in flight on
every replica); a few seconds in, one Rasa replica is killed (SIGKILL: no goodbye, its
conversation locks left in Redis).
A request in flight there fails at once (nginx never resends a POST that reached a replica);
the conversations whose lock it held wait for the lock's lifetime
(MFA_LOCK_LIFETIME_SECONDS); everything else moves to the other replica. Measured: the
requests that got no answer, the longest wait, and the recovery: from the death until every
user has had an answer to a message sent after it. The reference is the bound chosen for it,
the lock lifetime; the widget gives up after 30 s.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.capacity import NO_THINK_TIME
from bench.load import LoadResult, run_load

USERS = 10
KILL_AFTER_S = 5.0
# Long enough for a held lock to expire and the killed replica to be restarted and ready.
AFTER_KILL_S = 40.0
# Within the lock lifetime plus a poll of Rasa's lock loop (1 s) and a scheduling margin.
MARGIN_S = 3.0
WIDGET_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Failover:
    """What the users met when a replica died among them."""

    users: int
    requests: int
    failed: int  # got no answer: a 5xx, or nothing within the client's timeout
    longest_wait_s: float  # the longest any request waited, answered or not
    recovery_s: float  # from the death until every user had an answer again
    lock_lifetime_s: float

    @property
    def bound_s(self) -> float:
        return self.lock_lifetime_s + MARGIN_S

    @property
    def met(self) -> bool:
        return self.recovery_s <= self.bound_s and self.longest_wait_s < WIDGET_TIMEOUT_S


def recovery(timeline: Sequence[tuple[int, float, float, bool]], died_at: float) -> float:
    """Seconds from `died_at` until the last user's first answer to a message sent after it
    (infinite if some user never got one)."""
    users = {user for user, *_ in timeline}
    first: dict[int, float] = {}
    for user, sent_at, done_at, answered in sorted(timeline, key=lambda row: row[2]):
        if answered and sent_at >= died_at and user not in first:
            first[user] = done_at
    if set(first) != users:
        return math.inf
    return max(first.values()) - died_at


def summarise(result: LoadResult, died_at: float, lock_lifetime_s: float) -> Failover:
    return Failover(
        users=result.users,
        requests=len(result.timeline),
        failed=sum(1 for *_, answered in result.timeline if not answered),
        longest_wait_s=max((done - sent for _, sent, done, _ in result.timeline), default=0.0),
        recovery_s=recovery(result.timeline, died_at),
        lock_lifetime_s=lock_lifetime_s,
    )


def measure(
    base_url: str,
    kill: Callable[[], None],
    scripts: Sequence[Sequence[str]],
    tag: str,
    lock_lifetime_s: float,
) -> Failover:
    """USERS users for KILL_AFTER_S + AFTER_KILL_S seconds; `kill` a replica after KILL_AFTER_S."""

    async def run() -> tuple[float, LoadResult]:
        seconds = KILL_AFTER_S + AFTER_KILL_S
        load = asyncio.create_task(
            run_load(base_url, USERS, seconds, scripts, tag, think=NO_THINK_TIME)
        )
        await asyncio.sleep(KILL_AFTER_S)
        died_at = time.monotonic()
        kill()
        return died_at, await load

    died_at, result = asyncio.run(run())
    return summarise(result, died_at, lock_lifetime_s)
