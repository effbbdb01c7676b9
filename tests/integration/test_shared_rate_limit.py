"""Rate limits shared by replicas through a real Redis, and what happens when it is gone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import redis.asyncio as aioredis

from bot.rate_limit import RateLimiter, SharedRateLimiter, make_rate_limiter
from bot.settings import Settings
from tests.integration.databases import REDIS_URL, throwaway_redis_prefix


@pytest.fixture
def prefix() -> Iterator[str]:
    with throwaway_redis_prefix() as prefix:
        yield prefix


def replicas(prefix: str, limit: int, window_seconds: float = 60) -> list[SharedRateLimiter]:
    """Two limiters with their own Redis connections, as two Rasa servers would have."""
    return [
        SharedRateLimiter(limit, window_seconds, aioredis.Redis.from_url(REDIS_URL), prefix)
        for _ in range(2)
    ]


def test_replicas_count_a_sender_together(prefix):
    async def run() -> list[int]:
        first, second = replicas(prefix, limit=4)
        waits = [await (first, second)[i % 2].retry_after("alice") for i in range(4)]
        waits += [await first.retry_after("alice"), await second.retry_after("alice")]
        waits.append(await second.retry_after("bob"))
        return waits

    waits = asyncio.run(run())
    assert waits[:4] == [0, 0, 0, 0]
    assert all(14 <= wait <= 15 for wait in waits[4:6]), waits  # a message's share: 15 s
    assert waits[6] == 0  # another sender has a rate of their own


def test_waiting_makes_room_on_redis_time(prefix):
    async def run() -> tuple[int, int, int]:
        first, second = replicas(prefix, limit=2, window_seconds=1)
        await first.retry_after("carol")
        await second.retry_after("carol")
        refused = await first.retry_after("carol")
        await asyncio.sleep(1.1)
        return refused, await second.retry_after("carol"), await first.retry_after("carol")

    refused, again, refused_again = asyncio.run(run())
    assert (refused, again) == (1, 0)
    assert refused_again == 0  # 1.1 s is more than both messages' share: room for a second


def test_a_sender_within_the_rate_is_let_in_again_before_a_whole_window_passed(prefix):
    """Four at once, then one more after one message's share of the window (0.5 s), not after
    the whole window, as the count over a sliding window had it."""

    async def run() -> list[int]:
        first, second = replicas(prefix, limit=4, window_seconds=2)
        waits = [await (first, second)[i % 2].retry_after("frank") for i in range(5)]
        await asyncio.sleep(0.6)
        return [*waits, await first.retry_after("frank"), await second.retry_after("frank")]

    assert asyncio.run(run()) == [0, 0, 0, 0, 1, 0, 1]


def test_keys_expire_with_their_window(prefix):
    async def run() -> int:
        [limiter, _] = replicas(prefix, limit=3, window_seconds=30)
        await limiter.retry_after("dave")
        client = aioredis.Redis.from_url(REDIS_URL)
        [key] = [key async for key in client.scan_iter(f"{prefix}*")]
        ttl = await client.pttl(key)
        await client.close()
        return ttl

    assert 0 < asyncio.run(run()) <= 30_000


def test_without_redis_each_replica_still_limits_on_its_own(caplog):
    async def run() -> list[int]:
        unreachable = aioredis.Redis.from_url(
            "redis://127.0.0.1:1/0", socket_connect_timeout=0.5, socket_timeout=0.5
        )
        limiter = SharedRateLimiter(2, 60, unreachable)
        return [await limiter.retry_after("erin") for _ in range(4)]

    waits = asyncio.run(run())
    assert waits[:2] == [0, 0] and all(wait > 0 for wait in waits[2:])
    warnings = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
    assert len(warnings) == 1  # said once, not once per message


def test_the_settings_choose_the_limiter():
    assert isinstance(make_rate_limiter(Settings(lock_store_url="")), RateLimiter)
    shared = make_rate_limiter(Settings(lock_store_url=REDIS_URL, lock_store_key_prefix="x"))
    assert isinstance(shared, SharedRateLimiter) and shared.prefix == "xmfa-rate:"
    own = make_rate_limiter(Settings(rate_limit_redis_url=REDIS_URL))
    assert isinstance(own, SharedRateLimiter)
