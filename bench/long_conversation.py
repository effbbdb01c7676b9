"""Latency against conversation length: the p50 round trip at turn 1, 50, 100 and 200.

Stock Rasa 3.6 replays the whole tracker on every message, so a long conversation (a
walkthrough is many button presses) answers ever slower. This measures it on one long,
realistic conversation: walkthrough buttons, FAQ questions in the middle, "where was I?", a
ticket form filled half-way and cancelled. Each measured turn sends the same question, so the
turns differ only in how much conversation lies before them.

``measure`` is imported by ``make bench``; ``python -m bench.long_conversation`` starts the
assistant twice (with the tracker compaction of bot/rasa_ext/tracker_store.py, and with it
switched off through MFA_TRACKER_COMPACTION=false, i.e. stock Rasa's full replay) and prints
both, with the ratio turn N / turn 1 and compacted / stock.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from itertools import cycle
from pathlib import Path

from bench.conversations import ENGLISH_WALKTHROUGH, START

# Sent at every measured turn, so turn 1 and turn 200 do the same work apart from history.
PROBE = "how do I install the authenticator app?"
# One round of what a long conversation holds; repeated until the last measured turn: the
# simulated users' English walkthrough, then the detours people take.
ROUND = (
    *(message for message in ENGLISH_WALKTHROUGH if message != PROBE),
    "/walkthrough_stuck",
    "/walkthrough_back",
    "/walkthrough_done",
    "/walkthrough_stop",
    "my code is rejected",
    "I'm locked out of my account",
    "yes",
    "Ida Thomsen",
    "cancel",
    START % "backup_device",
    "/walkthrough_done",
    "what is the servicedesk's phone number?",
    "/walkthrough_resume",
    "/walkthrough_stop",
)
DEFAULT_TURNS = (1, 50, 100, 200)
DEFAULT_REPEATS = 3
# Each measured turn is the first of this many probes in a row: more samples, less noise.
PROBES_PER_TURN = 5
TIMEOUT_S = 60


def conversation(turns: tuple[int, ...]) -> Iterator[tuple[int | None, str]]:
    """(measured turn or None, message) until the last measured turn's probes are sent.

    A measured turn ``t`` sends PROBE at turns t .. t + PROBES_PER_TURN - 1, all counted as t.
    """
    probes = {t + k: t for t in turns for k in range(PROBES_PER_TURN)}
    messages = cycle(ROUND)
    for turn in range(1, max(probes) + 1):
        yield (probes[turn], PROBE) if turn in probes else (None, next(messages))


def round_trip_ms(webhook: str, sender: str, message: str) -> float:
    """One POST to the REST channel, timed until the whole answer has been read."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(webhook, body, {"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        replies = json.loads(response.read())
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200 or not isinstance(replies, list):
        raise RuntimeError(f"turn answered {response.status}: {replies!r}")
    return elapsed


def measure(
    base_url: str, turns: tuple[int, ...] = DEFAULT_TURNS, repeats: int = DEFAULT_REPEATS
) -> dict[int, float]:
    """p50 latency in ms of a full REST round trip at each of ``turns``.

    Every repeat is a new long conversation (a fresh sender); the p50 is over the repeats'
    probes at that turn.
    The server must allow max(turns) messages per sender within its rate-limit window
    (MFA_RATE_LIMIT_MESSAGES), or the late turns measure a 429.
    """
    webhook = base_url.rstrip("/") + "/webhooks/rest/webhook"
    samples: dict[int, list[float]] = {turn: [] for turn in turns}
    for _ in range(repeats):
        sender = f"bench-long-{uuid.uuid4().hex[:10]}"
        for turn, message in conversation(turns):
            elapsed = round_trip_ms(webhook, sender, message)
            if turn is not None:
                samples[turn].append(elapsed)
    return {turn: statistics.median(values) for turn, values in samples.items()}


def _measure_assistant(
    compaction: bool, turns: tuple[int, ...], repeats: int, extra_env: dict[str, str]
) -> dict[int, float]:
    """Start the whole assistant on the embedded default (or extra_env's stores), measure."""
    project = Path(__file__).resolve().parent.parent
    if str(project) not in sys.path:
        sys.path.insert(0, str(project))
    from tests.integration.assistant import start_assistant

    env = {
        "MFA_TRACKER_COMPACTION": "true" if compaction else "false",
        "MFA_RATE_LIMIT_MESSAGES": str(10 * (max(turns) + PROBES_PER_TURN) * repeats),
        "MFA_RATE_LIMIT_PER_ADDRESS": "1000000",
        **extra_env,
    }
    with tempfile.TemporaryDirectory(prefix="bench-long-") as var_dir:
        assistant = start_assistant(Path(var_dir), env)
        try:
            base_url = f"http://127.0.0.1:{assistant.rasa_port}"
            measure(base_url, (1, 2, 3), 1)  # warm-up: first-call costs out of the figures
            return measure(base_url, turns, repeats)
        finally:
            assistant.stop()


def _report(figures: dict[str, dict[int, float]], turns: tuple[int, ...]) -> str:
    lines = ["turn  " + "  ".join(f"{name:>22}" for name in figures)]
    for turn in turns:
        cells = []
        for values in figures.values():
            cells.append(f"{values[turn]:8.1f} ms ({values[turn] / values[turns[0]]:4.2f}x)")
        lines.append(f"{turn:>4}  " + "  ".join(f"{cell:>22}" for cell in cells))
    if len(figures) == 2:
        compacted, stock = figures.values()
        lines.append(
            "compacted / stock at each turn: "
            + ", ".join(f"{turn}: {compacted[turn] / stock[turn]:.2f}" for turn in turns)
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", default=",".join(map(str, DEFAULT_TURNS)))
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS)
    parser.add_argument("--url", help="measure an already running assistant instead")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock reference")
    parser.add_argument(
        "--tracker-store-url", default="", help="e.g. a PostgreSQL URL (default: SQLite)"
    )
    args = parser.parse_args(argv)
    turns = tuple(sorted(int(turn) for turn in args.turns.split(",")))
    if args.url:
        figures = {"running assistant": measure(args.url, turns, args.repeats)}
    else:
        extra = {"MFA_TRACKER_STORE_URL": args.tracker_store_url} if args.tracker_store_url else {}
        figures = {"compacted": _measure_assistant(True, turns, args.repeats, extra)}
        if not args.no_stock:
            figures["stock (full replay)"] = _measure_assistant(False, turns, args.repeats, extra)
    print(f"p50 of a REST round trip, {args.repeats} conversations of {max(turns)} turns")
    print(_report(figures, turns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
