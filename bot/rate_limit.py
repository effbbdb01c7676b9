"""Rate limits for the chat entry points (REST, widget, Telegram).

A limit of ``limit`` messages per ``window_seconds`` is a *rate*: a sender may send up to
``limit`` messages at once, and after that one every ``window_seconds / limit`` seconds (the
generic cell rate algorithm, a token bucket kept as one time per sender). It used to be a count
over the last ``window_seconds``, which refused people well under the rate: 10 messages at the
end of one minute and 25 at the start of the next are 35 in a sliding minute, though neither
minute had 30. A flood is still cut off after ``limit`` messages and then held to the rate.

Two limiters with one interface (``await limiter.retry_after(key)``):

- ``RateLimiter``: in memory, for a single Rasa server (the embedded default). Senders whose
  bucket is full again are forgotten, so memory stays bounded by active senders.
- ``SharedRateLimiter``: the same in Redis, for several replicas behind a load balancer (the
  production profile). Counted per replica, a sender whose messages alternate between N
  replicas would get N times the limit. If Redis cannot be reached the replica falls back to
  counting on its own: a rate limit must never take the chat down with it.

``make_rate_limiter`` picks one from the settings, for senders or for client addresses: a client
that changes its sender id with every message is still one address (REST and the widget; a
campus shares addresses behind NAT, so that limit is generous).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

import redis
import redis.asyncio as aioredis

from bot.settings import Settings

log = logging.getLogger(__name__)


class Limiter(Protocol):
    async def retry_after(self, key: str) -> int:
        """0 if ``key`` may go ahead now (and counts it), else the seconds to wait."""


@dataclass
class RateLimiter:
    """At most ``limit`` messages at once and ``limit`` per ``window_seconds`` after that, for
    each key, in this process."""

    limit: int
    window_seconds: float
    clock: Callable[[], float] = time.monotonic
    # Per key, when its bucket is full again (the "theoretical arrival time" of GCRA).
    _full_at: dict[str, float] = field(default_factory=dict, repr=False)
    _last_sweep: float = 0.0

    @property
    def interval(self) -> float:
        """The seconds one message costs."""
        return self.window_seconds / self.limit

    async def retry_after(self, key: str) -> int:
        return self.check(key)

    def check(self, key: str) -> int:
        """``retry_after`` for callers without an event loop."""
        now = self.clock()
        self._sweep(now)
        full_at = max(self._full_at.get(key, now), now)
        # Room for one more while the bucket is not over its `limit` messages' worth (rounded:
        # window / limit * limit need not be the window again in floating point).
        wait = round(full_at + self.interval - self.window_seconds - now, 6)
        if wait > 0:
            return max(1, math.ceil(wait))
        self._full_at[key] = full_at + self.interval
        return 0

    def _sweep(self, now: float) -> None:
        """Forget keys whose bucket is full again (they lose nothing), at most once per window."""
        if now - self._last_sweep < self.window_seconds:
            return
        self._last_sweep = now
        for key in [k for k, full_at in self._full_at.items() if full_at <= now]:
            del self._full_at[key]


# The same in one atomic round trip, on Redis's clock (replicas' clocks may differ): refuse
# with the milliseconds until there is room, or count this message. Whole milliseconds, so
# Lua's number formatting never rounds a time.
_RATE = """
local interval_ms = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local full_at = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now)
local wait = full_at + interval_ms - window_ms - now
if wait > 0 then
  return wait
end
redis.call('SET', KEYS[1], full_at + interval_ms, 'PX', full_at + interval_ms - now)
return 0
"""


class SharedRateLimiter:
    """``RateLimiter``'s rate in Redis, shared by every replica using the same key prefix."""

    def __init__(
        self, limit: int, window_seconds: float, client: aioredis.Redis, prefix: str = ""
    ) -> None:
        self.limit = limit
        self.interval_ms = max(1, round(window_seconds * 1000 / limit))
        self.window_ms = self.interval_ms * limit
        self.prefix = f"{prefix}mfa-rate:"  # not the old sliding window's keys, of another type
        self._script = client.register_script(_RATE)
        self._fallback = RateLimiter(limit, window_seconds)
        self._redis_failing = False

    async def retry_after(self, key: str) -> int:
        try:
            wait_ms = int(
                await self._script(
                    keys=[self.prefix + key], args=[self.interval_ms, self.window_ms]
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


def make_rate_limiter(settings: Settings, per: Literal["sender", "address"] = "sender") -> Limiter:
    """Shared through Redis when the deployment has one (its lock store), else in memory.

    Senders and addresses are counted apart (a sender may be named like an address).
    """
    limit = settings.rate_limit_messages if per == "sender" else settings.rate_limit_per_address
    url = settings.rate_limit_redis_url or settings.lock_store_url
    if not url:
        return RateLimiter(limit, settings.rate_limit_seconds)
    client = aioredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    prefix = settings.lock_store_key_prefix + ("" if per == "sender" else "address:")
    return SharedRateLimiter(limit, settings.rate_limit_seconds, client, prefix=prefix)
