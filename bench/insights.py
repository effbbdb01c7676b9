"""The insights page on a busy month: GET /insights on 100,000 conversations against 1,000.

A throwaway PostgreSQL tracker database gets synthetic ``insight_turns`` rows (COPY, in one
go): conversations of 1-9 messages, all inside the page's default period (the last 28 days,
the worst case: retention keeps about that much anyway), spread over the day like real
traffic, with topics, unsure answers, handoffs, feedback and ratings. The real console
(`python -m bot console`) serves the page over HTTP to a content owner signed in with password
and code, first on 1,000 conversations, then on the same database grown to 100,000; each size
is asked a few times after one unmeasured request, and the median is reported.

``measure`` is called by ``python -m bench``; ``python -m bench.insights`` runs it alone.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg2
import requests

from bot.insights import tables
from bot.insights.filters import DEFAULT_DAYS

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
SMALL, LARGE = 1_000, 100_000
TARGET_S = 1.0
REQUESTS = 5
ZONE = ZoneInfo("Europe/Copenhagen")
TOPICS = (
    "faq/lost_phone",
    "faq/new_phone",
    "faq/app_download",
    "faq/code_rejected",
    "faq/sms_abroad",
    "faq/what_is_mfa",
    "faq/backup_method",
    "faq/servicedesk_hours",
    "faq/locked_out",
    "faq/hardware_token",
    "faq/why_mfa",
    "faq/phishing",
    "walkthrough/first_setup",
    "walkthrough/lost_phone",
    "walkthrough/backup_device",
    "ticket",
)
# (outcome, weight): most messages are answered; a few are unsure or handed over.
OUTCOMES = (
    ("answered", 78),
    ("feedback", 8),
    ("clarified", 7),
    ("servicedesk", 2),
    ("handoff", 3),
    ("ticket", 2),
)
# Local hours weighted like office traffic: mornings busiest, a little in the evening.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 13, 11, 12, 12, 10, 8, 6, 5, 4, 4, 3, 2, 1]
COLUMNS = [column.name for column in tables.TURNS.columns if column.name != "id"]


def _texts(rng: random.Random) -> list[str]:
    """About 2,000 different questions, a few of them very common (as real misses are)."""
    subjects = ("code", "app", "phone", "sign-in", "authenticator", "SMS", "key", "account")
    troubles = ("doesn't work", "is wrong", "never arrives", "virker ikke", "is gone", "?")
    words = [f"my {s} {t}" for s in subjects for t in troubles]
    return [f"{rng.choice(words)} {n}" if n else rng.choice(words) for n in range(2000)]


def synthetic_rows(
    conversations: int, today: date, seed: int, first: int = 0
) -> Iterator[tuple[object, ...]]:
    """``conversations`` conversations of 1-9 messages in the 28 days up to ``today``."""
    rng = random.Random(seed)
    texts = _texts(rng)
    outcomes, weights = zip(*OUTCOMES, strict=True)
    start = datetime.combine(today - timedelta(days=DEFAULT_DAYS - 1), datetime.min.time(), ZONE)
    for number in range(first, first + conversations):
        sender = f"bench-{number:07d}" if rng.random() < 0.8 else f"telegram:{number}"
        channel = "telegram" if sender.startswith("telegram:") else "rest"
        language = "da" if rng.random() < 0.4 else "en"
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        begun = start + timedelta(days=rng.randrange(DEFAULT_DAYS), hours=hour)
        begun += timedelta(minutes=rng.randrange(60))
        for turn in range(rng.randint(1, 9)):
            at = (begun + timedelta(seconds=40 * turn)).astimezone(ZONE)
            outcome = rng.choices(outcomes, weights)[0]
            unsure = outcome in ("clarified", "servicedesk")
            typed = rng.random() < 0.7
            text = rng.choice(texts[:50] if unsure else texts)
            helpful = rng.random() < 0.7 if outcome == "feedback" and rng.random() < 0.8 else None
            rating = rng.randint(1, 5) if outcome == "feedback" and helpful is None else None
            topic = None if unsure else rng.choice(TOPICS)
            yield (
                sender,
                at.astimezone(timezone.utc).isoformat(),
                at.date().isoformat(),
                at.hour,
                at.weekday(),
                channel,
                language,
                text if typed else f"/{(topic or 'nlu_fallback').replace('/', '_')}",
                typed,
                "faq" if topic and topic.startswith("faq/") else "nlu_fallback",
                round(rng.uniform(0.2, 0.6) if unsure else rng.uniform(0.6, 1.0), 3),
                topic,
                outcome,
                helpful,
                rating,
                typed and rng.random() < 0.04,
            )


def _csv_value(value: object) -> str:
    if value is None:
        return r"\N"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def seed(url: str, conversations: int, today: date, first: int = 0) -> int:
    """COPY the conversations' rows into ``url``'s insight_turns (made if missing)."""
    from sqlalchemy import create_engine

    engine = create_engine(url, future=True)
    tables.ensure_tables(engine)
    engine.dispose()
    buffer = io.StringIO()
    rows = 0
    for row in synthetic_rows(conversations, today, seed=first + 19, first=first):
        buffer.write("\t".join(map(_csv_value, row)) + "\n")
        rows += 1
    buffer.seek(0)
    connection = psycopg2.connect(url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {tables.TURNS.name} ({', '.join(COLUMNS)}) FROM STDIN", buffer
            )
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {tables.TURNS.name}")  # as autovacuum would
    finally:
        connection.close()
    return rows


@dataclass(frozen=True)
class PageTime:
    conversations: int
    turns: int
    seed_s: float
    median_s: float
    samples: list[float]


@dataclass(frozen=True)
class InsightsBench:
    small: PageTime
    large: PageTime
    load_average: float = float("nan")  # the machine's 1-minute load after the large size

    @property
    def ratio(self) -> float:
        return self.large.median_s / self.small.median_s

    @property
    def met(self) -> bool:
        return self.large.median_s < TARGET_S


def _time_page(http: requests.Session, url: str, requests_count: int) -> list[float]:
    http.get(url, timeout=60).raise_for_status()  # unmeasured: the first query plans, pools
    samples = []
    for _ in range(requests_count):
        started = time.perf_counter()
        response = http.get(url, timeout=60)
        response.raise_for_status()
        if "<svg" not in response.text:
            raise RuntimeError("the insights page came without its charts")
        samples.append(time.perf_counter() - started)
    return samples


def _admin(statement: str) -> None:
    connection = psycopg2.connect(f"{POSTGRES}/postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def measure(
    small: int = SMALL, large: int = LARGE, requests_count: int = REQUESTS, log=print
) -> InsightsBench:
    """Seed, start the console, sign in as a content owner, time the page at both sizes."""
    project = Path(__file__).resolve().parent.parent
    if str(project) not in sys.path:
        sys.path.insert(0, str(project))
    from tests.integration.console import (
        add_agent,
        agent_command,
        console_env,
        database_sessions,
        running_console,
        sign_in,
    )

    name = f"bench_insights_{uuid.uuid4().hex[:10]}"
    trackers = f"{POSTGRES}/{name}"
    today = datetime.now(ZONE).date()
    _admin(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="bench-insights-") as scratch:
            env = console_env(
                Path(scratch),
                f"sqlite:///{Path(scratch) / 'assistant.db'}",
                tracker_store_url=trackers,
            )
            started = time.monotonic()
            turns = seed(trackers, small, today)
            small_seed = time.monotonic() - started
            with running_console(env) as console, database_sessions(env) as sessions:
                add_agent(env, "owner", "Content Owner")
                granted = agent_command(env, "grant-content-owner", "owner")
                if granted.returncode != 0:
                    raise RuntimeError(granted.stderr)
                http = requests.Session()
                sign_in(http, console, "owner", None, sessions)
                page = console.url("/insights")
                first = _time_page(http, page, requests_count)
                small_time = PageTime(small, turns, small_seed, statistics.median(first), first)
                log(f"  insights page, {small:,} conversations: {small_time.median_s:.3f} s")
                started = time.monotonic()
                turns += seed(trackers, large - small, today, first=small)
                large_seed = time.monotonic() - started
                log(f"  seeded {large:,} conversations ({turns:,} turns) in {large_seed:.0f} s")
                second = _time_page(http, page, requests_count)
                large_time = PageTime(large, turns, large_seed, statistics.median(second), second)
                log(f"  insights page, {large:,} conversations: {large_time.median_s:.3f} s")
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return InsightsBench(small_time, large_time, os.getloadavg()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=SMALL)
    parser.add_argument("--large", type=int, default=LARGE)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    args = parser.parse_args(argv)
    found = measure(args.small, args.large, args.requests)
    print(
        f"GET /insights: {found.small.median_s:.3f} s on {found.small.conversations:,} "
        f"conversations ({found.small.turns:,} turns), {found.large.median_s:.3f} s on "
        f"{found.large.conversations:,} ({found.large.turns:,} turns): {found.ratio:.2f}x "
        f"(load average {found.load_average:.1f}); "
        f"target under {TARGET_S:.0f} s: {'met' if found.met else 'not met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
