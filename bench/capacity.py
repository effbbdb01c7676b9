"""Closed-loop capacity against stock Rasa's own starter bot, measured in the same run.

The paced load levels (bench/load.py) pause like a person between messages; here every user
sends the next message the moment the answer arrives, so the server is never idle and what
is measured is how much it can answer: throughput, the latency that costs, and the CPU time
of the server's whole process tree per answered message (Rasa, actions, nginx, replicas).

The reference is what a team gets from `rasa init` with Rasa 3.6: the mood bot, its default
configuration, REST channel, in-memory stores, no action server, served by a plain
`rasa run` on the same machine right before. Its project is made once and kept in
models/reference/ (it trains in a minute or two), like the default-config reference model.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from bench.load import LoadResult, run_load
from bench.memory import process_tree, stat_fields
from bot.processes.training import rasa_environment

CLOSED_LOOP_USERS = (1, 10, 50)
NO_THINK_TIME = (0.0, 0.0)
# What people say to the mood bot: every intent it knows, through its stories and rules.
INIT_BOT_SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("hello", "I am sad", "yes", "bye"),
    ("hi", "very sad", "no", "goodbye"),
    ("hey there", "I am great", "are you a bot?", "see you later"),
)


@dataclass
class CapacityLevel:
    """One closed-loop level: what the users met, and what the server spent on it."""

    load: LoadResult
    cpu_seconds: float

    @property
    def cpu_ms_per_message(self) -> float:
        answered = len(self.load.latencies_ms)
        return 1000 * self.cpu_seconds / answered if answered else float("nan")


def cpu_seconds(root_pid: int) -> float:
    """User and system CPU time of a process and all its living descendants, from /proc."""
    total = 0
    for pid in process_tree(root_pid):
        fields = stat_fields(pid)
        if fields is not None:  # else exited between listing and reading
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def measure(
    base_url: str,
    root_pid: int,
    scripts: Sequence[Sequence[str]],
    seconds: float,
    tag: str,
    log: Callable[[str], None],
) -> dict[int, CapacityLevel]:
    """Every closed-loop level against one running server, fewest users first."""
    levels: dict[int, CapacityLevel] = {}
    for users in CLOSED_LOOP_USERS:
        before = cpu_seconds(root_pid)
        load = asyncio.run(
            run_load(base_url, users, seconds, scripts, f"{tag}-{users}", think=NO_THINK_TIME)
        )
        level = CapacityLevel(load, cpu_seconds(root_pid) - before)
        levels[users] = level
        summary = load.summary
        log(
            f"    closed loop, {users} users: p95 {summary.p95_ms:.0f} ms, "
            f"{summary.throughput_per_s:.1f} msg/s, {level.cpu_ms_per_message:.1f} ms CPU/msg, "
            f"errors {load.errors}"
        )
    return levels


def init_bot_model(models_dir: Path) -> Path:
    """The trained model of `rasa init`'s bot for the installed Rasa: the kept one, or made."""
    folder = models_dir / "reference" / f"rasa-init-{version('rasa')}"
    models = sorted((folder / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-rasa-init-") as scratch:
        project = Path(scratch) / "project"
        project.mkdir()
        env = {**rasa_environment(), "RASA_CACHE_DIRECTORY": str(Path(scratch) / "cache")}
        command = [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(project)]
        done = subprocess.run(
            command,
            cwd=scratch,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        trained = sorted((project / "models").glob("*.tar.gz"))
        if done.returncode != 0 or not trained:
            raise RuntimeError(f"`rasa init` failed:\n{done.stdout[-2000:]}")
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(project, folder)
    return folder / "models" / trained[-1].name
