"""Closed-loop simulated users over the REST channel (asyncio + httpx).

Each user plays whole conversations from fresh senders, waiting for every answer and then a
short "think time" before the next message, as a person clicking through would. Every request
is timed end to end (connect, Rasa, actions, tracker store, response) and its outcome counted:
an error is anything but a 200 with a JSON list; an empty list is a lost message (the user
would see silence). Whether each answered message also reached the tracker store is checked
afterwards from the store itself (bench/store_check.py).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from bench.stats import LatencySummary

REQUEST_TIMEOUT_S = 30.0
THINK_TIME_S = (0.5, 1.5)  # a quick clicker: people are slower, so real load is lighter


@dataclass
class LoadResult:
    """Everything one load level produced."""

    users: int
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    sent: int = 0
    errors: int = 0
    empty_replies: int = 0
    answered: Counter[str] = field(default_factory=Counter)  # sender -> messages answered 200
    error_samples: list[str] = field(default_factory=list)
    # Every request as (user, sent at, done at, answered), in time.monotonic() seconds.
    timeline: list[tuple[int, float, float, bool]] = field(default_factory=list)

    @property
    def summary(self) -> LatencySummary:
        return LatencySummary.of(self.latencies_ms, self.elapsed_s)

    def note_error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text[:200])


async def send(
    client: httpx.AsyncClient, url: str, sender: str, message: str
) -> tuple[int, object]:
    response = await client.post(url, json={"sender": sender, "message": message})
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


async def _user(
    client: httpx.AsyncClient,
    url: str,
    index: int,
    tag: str,
    scripts: Sequence[Sequence[str]],
    deadline: float,
    think: tuple[float, float],
    result: LoadResult,
    rng: random.Random,
) -> None:
    conversation = 0
    while time.monotonic() < deadline:
        script = scripts[(index + conversation) % len(scripts)]
        sender = f"bench-{tag}-{index}-{conversation}"
        conversation += 1
        for message in script:
            if time.monotonic() >= deadline:
                return
            result.sent += 1
            sent_at, started = time.monotonic(), time.perf_counter()
            try:
                status, body = await send(client, url, sender, message)
            except httpx.HTTPError as error:
                result.timeline.append((index, sent_at, time.monotonic(), False))
                result.note_error(f"{type(error).__name__}: {error}")
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            answered = status == 200 and isinstance(body, list)
            result.timeline.append((index, sent_at, time.monotonic(), answered))
            if not answered:
                result.note_error(f"{status}: {body!r}")
                continue
            result.latencies_ms.append(elapsed_ms)
            result.answered[sender] += 1
            if not body:
                result.empty_replies += 1
            await asyncio.sleep(rng.uniform(*think))


async def run_load(
    base_url: str,
    users: int,
    duration_s: float,
    scripts: Sequence[Sequence[str]],
    tag: str,
    think: tuple[float, float] = THINK_TIME_S,
    seed: int = 8,
) -> LoadResult:
    """`users` concurrent users for `duration_s` seconds; in-flight requests are waited for."""
    url = f"{base_url}/webhooks/rest/webhook"
    result = LoadResult(users=users)
    limits = httpx.Limits(max_connections=users + 5, max_keepalive_connections=users + 5)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        started = time.monotonic()
        deadline = started + duration_s
        rngs = [random.Random(seed * 1000 + index) for index in range(users)]
        await asyncio.gather(
            *(
                _user(client, url, i, tag, scripts, deadline, think, result, rngs[i])
                for i in range(users)
            )
        )
        result.elapsed_s = time.monotonic() - started
    return result


async def converse(base_url: str, sender: str, script: Sequence[str]) -> list[object]:
    """One conversation, answers returned: to warm the server up and to show what it says."""
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S) as client:
        url = f"{base_url}/webhooks/rest/webhook"
        return [(await send(client, url, sender, message))[1] for message in script]
