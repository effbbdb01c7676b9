"""Per-sender rate limits for the chat entry points (REST, widget, Telegram).

Two limiters with one interface (``await limiter.retry_after(key)``):

- ``RateLimiter``: a sliding window in memory, for a single Rasa server (the embedded default).
  Keys are forgotten when their window is empty, so memory stays bounded by active senders.
- ``SharedRateLimiter``: the same window kept in Redis, for several replicas behind a load
  balancer (the production profile). Counted per replica, a sender whose messages alternate
  between N replicas would get N times the limit. If Redis cannot be reached the replica falls
  back to counting on its own: a rate limit must never take the chat down with it.

``make_rate_limiter`` picks one from the settings.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import redis
import redis.asyncio as aioredis

from bot.settings import Settings

log = logging.getLogger(__name__)


class Limiter(Protocol):
    async def retry_after(self, key: str) -> int:
        """0 if ``key`` may go ahead now (and counts it), else the seconds to wait."""


@dataclass
class RateLimiter:
    """At most ``limit`` events per ``window_seconds`` for each key, in this process."""

    limit: int
    window_seconds: float
    clock: Callable[[], float] = time.monotonic
    _events: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _last_sweep: float = 0.0

    async def retry_after(self, key: str) -> int:
        return self.check(key)

    def check(self, key: str) -> int:
        """``retry_after`` for callers without an event loop."""
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


# One round trip, atomic, on Redis's clock (replicas' clocks may differ): drop what left the
# window, refuse with the milliseconds until the oldest leaves, or count this message.
_SLIDING_WINDOW = """
local limit = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window_ms)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window_ms - now
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window_ms)
return 0
"""


class SharedRateLimiter:
    """``RateLimiter``'s window in Redis, shared by every replica using the same key prefix."""

    def __init__(
        self, limit: int, window_seconds: float, client: aioredis.Redis, prefix: str = ""
    ) -> None:
        self.limit = limit
        self.window_ms = max(1, round(window_seconds * 1000))
        self.prefix = f"{prefix}mfa-rate-limit:"
        self._script = client.register_script(_SLIDING_WINDOW)
        self._fallback = RateLimiter(limit, window_seconds)
        self._redis_failing = False

    async def retry_after(self, key: str) -> int:
        try:
            wait_ms = int(
                await self._script(
                    keys=[self.prefix + key], args=[self.limit, self.window_ms, uuid.uuid4().hex]
                )
            )
        except redis.RedisError as error:
            if not self._redis_failing:  # say it once, not once per message
                log.warning("Rate limits counted per replica, Redis is unreachable: %s", error)
            self._redis_failing = True
            return self._fallback.check(key)
        if self._redis_failing:
            log.warning("Rate limits shared through Redis again.")
            self._redis_failing = False
        return math.ceil(wait_ms / 1000)  # 0, or at least 1 second


def make_rate_limiter(settings: Settings) -> Limiter:
    """Shared through Redis when the deployment has one (its lock store), else in memory."""
    url = settings.rate_limit_redis_url or settings.lock_store_url
    if not url:
        return RateLimiter(settings.rate_limit_messages, settings.rate_limit_seconds)
    client = aioredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    return SharedRateLimiter(
        settings.rate_limit_messages,
        settings.rate_limit_seconds,
        client,
        prefix=settings.lock_store_key_prefix,
    )
