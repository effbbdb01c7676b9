"""Per-sender rate limits for the chat entry points (REST, widget, Telegram).

A sliding window per key, in memory: each Rasa replica counts the messages it receives, which
is enough to stop one client from flooding the NLU and the action server (a replica behind a
load balancer sees its share; the limit is per replica by design, no shared state needed).
Keys are forgotten when their window is empty, so memory stays bounded by active senders.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    """At most ``limit`` events per ``window_seconds`` for each key."""

    limit: int
    window_seconds: float
    clock: Callable[[], float] = time.monotonic
    _events: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _last_sweep: float = 0.0

    def retry_after(self, key: str) -> int:
        """0 if ``key`` may go ahead now (and counts it), else the seconds to wait."""
        now = self.clock()
        self._sweep(now)
        recent = self._events.setdefault(key, deque())
        while recent and recent[0] <= now - self.window_seconds:
            recent.popleft()
        if len(recent) >= self.limit:
            return max(1, math.ceil(recent[0] + self.window_seconds - now))
        recent.append(now)
        return 0

    def _sweep(self, now: float) -> None:
        """Drop keys whose window has emptied, at most once per window."""
        if now - self._last_sweep < self.window_seconds:
            return
        self._last_sweep = now
        cutoff = now - self.window_seconds
        for key in [k for k, times in self._events.items() if not times or times[-1] <= cutoff]:
            del self._events[key]
