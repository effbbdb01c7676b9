"""Start the assistant (or stock Rasa as a reference) on free ports, time it, and stop it.

Cold start is timed as a user meets it: from starting the process to the first REST answer,
model loading and every other process's start-up included. The servers get their own var
directory, so a benchmark never touches the developer's conversations or tickets.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.memory import MemorySampler
from bot.processes.runner import spawn
from bot.processes.training import rasa_environment
from bot.rasa_ext import rasa_compat
from tests.integration.assistant import RunningAssistant, free_port, launch_assistant

READY_TIMEOUT_S = 300
FIRST_MESSAGE = "hi"
# One sender sends up to 200 messages in the long-conversation measurement, and every load
# level comes from one address; the rate limits (30 a minute per sender, 600 per address) and
# the bound on messages in hand protect production, not what is measured here.
BENCH_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",
    "MFA_RATE_LIMIT_MESSAGES": "1000000",
    "MFA_RATE_LIMIT_PER_ADDRESS": "1000000",
    "MFA_MAX_CONCURRENT_MESSAGES": "1000000",
    "MFA_TELEGRAM_MODE": "off",
}


@dataclass
class Server:
    """A started server process tree with its REST base URL and what start-up measured."""

    name: str
    process: subprocess.Popen
    base_url: str
    log_path: Path
    tracker_store_url: str | None
    sampler: MemorySampler
    # The project's assistant (None for stock Rasa): its runner says when every process is up.
    assistant: RunningAssistant | None = None
    cold_start_s: float = float("nan")

    def wait_for_first_answer(self, started: float) -> None:
        """Poll with a greeting until it is answered; sets cold_start_s from `started`."""
        url = f"{self.base_url}/webhooks/rest/webhook"
        deadline = started + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited during start-up:\n{self.log_tail()}")
            try:
                reply = httpx.post(
                    url, json={"sender": "bench-cold-start", "message": FIRST_MESSAGE}, timeout=30
                )
                if reply.status_code == 200 and reply.json():
                    self.cold_start_s = time.monotonic() - started
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name}: no answer after {READY_TIMEOUT_S} s:\n{self.log_tail()}")

    def wait_until_fully_started(self) -> None:
        """Also wait for the runner's banner: the action server etc. may come up after Rasa."""
        if self.assistant is not None:
            self.assistant.wait_until_running(READY_TIMEOUT_S)

    def stop(self) -> dict[str, int]:
        """Ctrl-C as an operator would; returns the peak RSS per process seen meanwhile."""
        peaks = self.sampler.stop()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: only its tree
                self.process.wait()
        return peaks

    def log_tail(self, characters: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return ""


def _watch(
    name: str,
    process: subprocess.Popen,
    base_url: str,
    log_path: Path,
    started: float,
    tracker_store_url: str | None = None,
    assistant: RunningAssistant | None = None,
) -> Server:
    """Sample a started process's memory and wait for its first answer (and its banner)."""
    sampler = MemorySampler(process.pid).start()
    server = Server(name, process, base_url, log_path, tracker_store_url, sampler, assistant)
    try:
        server.wait_for_first_answer(started)
        server.wait_until_fully_started()
    except BaseException:
        server.stop()
        raise
    return server


def _start_assistant(
    name: str, command: str, var_dir: Path, tracker_store_url: str, **env: str
) -> Server:
    """`python -m bot <command>` on free ports and a var directory of its own, as tests start
    it; requests go to the production profile's load balancer, else to Rasa."""
    started = time.monotonic()
    assistant = launch_assistant(var_dir, {**rasa_environment(), **BENCH_ENV, **env}, command)
    return _watch(
        name,
        assistant.process,
        assistant.base_url,
        var_dir / "runner.log",
        started,
        tracker_store_url,
        assistant,
    )


def start_embedded(var_dir: Path) -> Server:
    """`python -m bot run` with its embedded defaults (SQLite, in-memory lock store)."""
    trackers = f"sqlite:///{var_dir / 'trackers.db'}"
    return _start_assistant("embedded default", "run", var_dir, trackers)


def start_stock_rasa(model: Path, work_dir: Path) -> Server:
    """Stock `rasa run` on the same model: REST channel, in-memory stores, no action server.

    The reference for cold start and the Rasa server's memory: what Rasa itself costs before
    the project's channels, SQL tracker store and other processes are added.
    """
    port = free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    credentials = work_dir / "credentials.yml"
    credentials.write_text("rest:\n")
    command = [
        sys.executable, "-m", "rasa", "run",
        "--model", str(model),
        "--credentials", str(credentials),
        "--interface", "127.0.0.1",
        "--port", str(port),
    ]  # fmt: skip
    # The reference is a plain `rasa run` on purpose; the model's components would refuse it.
    env = {**rasa_environment(), **BENCH_ENV, rasa_compat.ENTRY_POINT_MARK: "1"}
    # Started in work_dir so that no endpoints.yml of the project is picked up by default.
    started = time.monotonic()
    process = spawn(command, env, work_dir / "rasa.log", work_dir)
    return _watch("stock Rasa", process, f"http://127.0.0.1:{port}", work_dir / "rasa.log", started)


def start_production(var_dir: Path, run_id: str) -> Server:
    """`python -m bot production` on databases of this run (bench_<run id>_*), dropped after.

    Its own databases and Redis key prefix keep the benchmark away from anyone's data.
    """
    postgres = "postgresql://postgres@127.0.0.1:5432"
    trackers = f"{postgres}/bench_{run_id}_trackers"
    return _start_assistant(
        "production profile",
        "production",
        var_dir,
        trackers,
        MFA_TRACKER_STORE_URL=trackers,
        MFA_DATABASE_URL=f"{postgres}/bench_{run_id}_assistant",
        MFA_LOCK_STORE_URL="redis://127.0.0.1:6379/0",
        MFA_LOCK_STORE_KEY_PREFIX=f"bench{run_id}",
    )


def drop_production_databases(run_id: str) -> None:
    """Drop the two databases start_production() had the profile create for this run."""
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            for suffix in ("trackers", "assistant"):
                cursor.execute(f"DROP DATABASE IF EXISTS bench_{run_id}_{suffix}")
    finally:
        admin.close()
