"""Start the assistant (or stock Rasa as a reference) on free ports, time it, and stop it.

Cold start is timed as a user meets it: from starting the process to the first REST answer,
model loading and every other process's start-up included. The servers get their own var
directory, so a benchmark never touches the developer's conversations or tickets.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.memory import MemorySampler
from bot.runner import spawn
from bot.settings import PROJECT_ROOT
from bot.training import rasa_environment

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A started server process tree with its REST base URL and what start-up measured."""

    name: str
    process: subprocess.Popen
    base_url: str
    log_path: Path
    tracker_store_url: str | None
    ready_marker: bytes | None
    sampler: MemorySampler
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
        if self.ready_marker is None:
            return
        deadline = time.monotonic() + READY_TIMEOUT_S
        while self.ready_marker not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start:\n{self.log_tail()}")
            time.sleep(0.25)

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


def _launch(
    name: str,
    command: list[str],
    env: dict[str, str],
    log_path: Path,
    port: int,
    *,
    cwd: Path = PROJECT_ROOT,
    tracker_store_url: str | None = None,
    ready_marker: bytes | None = None,
) -> Server:
    """Start a process as the runner starts its children, and wait for its first answer."""
    started = time.monotonic()
    process = spawn(command, env, log_path, cwd)
    sampler = MemorySampler(process.pid).start()
    server = Server(
        name,
        process,
        f"http://127.0.0.1:{port}",
        log_path,
        tracker_store_url,
        ready_marker,
        sampler,
    )
    try:
        server.wait_for_first_answer(started)
        server.wait_until_fully_started()
    except BaseException:
        server.stop()
        raise
    return server


def _start_assistant(
    name: str,
    command: str,
    var_dir: Path,
    tracker_store_url: str,
    rasa_port: int,
    entry_port: int | None = None,
    **env: str,
) -> Server:
    """`python -m bot <command>` on free ports and a var directory of its own.

    Requests go to ``entry_port`` (the production profile's load balancer), else to Rasa.
    """
    env = {
        **rasa_environment(),
        **BENCH_ENV,
        "MFA_RASA_PORT": str(rasa_port),
        "MFA_ACTION_PORT": str(free_port()),
        "MFA_CONSOLE_PORT": str(free_port()),
        "MFA_VAR_DIR": str(var_dir),
        **env,
    }
    return _launch(
        name,
        [sys.executable, "-m", "bot", command],
        env,
        var_dir / "runner.log",
        entry_port or rasa_port,
        tracker_store_url=tracker_store_url,
        ready_marker=b"The MFA assistant is running",
    )


def start_embedded(var_dir: Path) -> Server:
    """`python -m bot run` with its embedded defaults (SQLite, in-memory lock store)."""
    trackers = f"sqlite:///{var_dir / 'trackers.db'}"
    return _start_assistant("embedded default", "run", var_dir, trackers, free_port())


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
    env = {**rasa_environment(), **BENCH_ENV}
    # Started in work_dir so that no endpoints.yml of the project is picked up by default.
    return _launch("stock Rasa", command, env, work_dir / "rasa.log", port, cwd=work_dir)


def two_free_ports() -> int:
    """A port whose successor is free too: the profile puts replica n on MFA_RASA_PORT + n - 1."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


def start_production(var_dir: Path, run_id: str) -> Server:
    """`python -m bot production` on databases of this run (bench_<run id>_*), dropped after.

    Its own databases and Redis key prefix keep the benchmark away from anyone's data.
    """
    postgres = "postgresql://postgres@127.0.0.1:5432"
    trackers = f"{postgres}/bench_{run_id}_trackers"
    balancer = free_port()
    return _start_assistant(
        "production profile",
        "production",
        var_dir,
        trackers,
        two_free_ports(),
        entry_port=balancer,
        MFA_LOAD_BALANCER_PORT=str(balancer),
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
