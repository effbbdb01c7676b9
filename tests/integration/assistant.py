"""Start the whole assistant (`python -m bot run`, or the production profile) on free ports for
a test, and stop it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.processes.runner import spawn

READY_TIMEOUT_S = 300


def new_sender() -> str:
    """A fresh conversation id, so tests never see each other's state."""
    return f"test-{uuid.uuid4().hex[:10]}"


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def button_titles(replies: list[dict[str, Any]]) -> list[str]:
    return [button["title"] for reply in replies for button in reply.get("buttons", [])]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def two_free_ports_in_a_row() -> int:
    """A port p with p + 1 free too: the production profile's replicas use consecutive ports."""
    for _ in range(50):
        port = free_port()
        if port < 65535 and not port_is_open(port + 1):
            try:
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no two consecutive free ports")


@dataclass
class RunningAssistant:
    process: subprocess.Popen
    rasa_port: int
    action_port: int
    var_dir: Path
    console_port: int
    # Production profile: messages go to nginx on entry_port, the replicas listen on these.
    entry_port: int | None = None
    replica_ports: tuple[int, ...] = ()
    # Where this start's lines begin in runner.log: a restart appends to the same log.
    log_offset: int = 0
    outbox_port: int = 0

    @property
    def base_url(self) -> str:
        """Where messages go: the production profile's balancer, else the Rasa server."""
        return f"http://127.0.0.1:{self.entry_port or self.rasa_port}"

    def wait_until_running(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        """Until the runner prints its banner (every process is up); stops it on failure."""
        log = self.var_dir / "runner.log"
        deadline = time.monotonic() + timeout_s
        while b"The MFA assistant is running" not in log.read_bytes()[self.log_offset :]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(log.read_text(errors="replace")[-3000:])
            time.sleep(0.25)

    def webhook_at(self, port: int) -> str:
        return f"http://127.0.0.1:{port}/webhooks/rest/webhook"

    @property
    def webhook(self) -> str:
        return f"{self.base_url}/webhooks/rest/webhook"

    def post_raw(
        self, body: bytes, content_type: str = "application/json", port: int | None = None
    ) -> tuple[int, Any]:
        url = self.webhook_at(port) if port else self.webhook
        request = urllib.request.Request(url, body, {"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def say(self, sender: str, message: str, port: int | None = None) -> list[dict[str, Any]]:
        """Send a message to the assistant, or to the server on ``port`` (one replica)."""
        body = json.dumps({"sender": sender, "message": message}).encode()
        status, replies = self.post_raw(body, port=port)
        assert status == 200, replies
        return replies

    def child_pid(self, *words: str) -> int:
        """The pid of the runner's child whose command line holds all ``words`` in order."""
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                argv = (stat.parent / "cmdline").read_bytes().decode().split("\0")
            except (OSError, IndexError, ValueError):
                continue  # the process ended meanwhile
            joined = "\0".join(argv)
            if parent == self.process.pid and "\0".join(words) in joined:
                return int(stat.parent.name)
        raise LookupError(f"no child process of the runner runs {' '.join(words)}")

    def stop(self) -> int:
        """Ctrl-C, as a user would; returns the runner's exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                raise
        return self.process.returncode


def launch_assistant(
    var_dir: Path, extra_env: dict[str, str] | None = None, command: str = "run"
) -> RunningAssistant:
    """Start ``python -m bot <command>`` on free ports and return at once.

    The benchmark needs the process the moment it exists (to time start-up and sample its
    memory); tests call start_assistant, which also waits until it is running.
    """
    rasa_port, action_port, console_port = free_port(), free_port(), free_port()
    outbox_port = free_port()
    entry_port, replica_ports = None, ()
    if command == "production":
        rasa_port, entry_port = two_free_ports_in_a_row(), free_port()
        replica_ports = (rasa_port, rasa_port + 1)
    env = {
        **os.environ,
        "MFA_RASA_PORT": str(rasa_port),
        "MFA_ACTION_PORT": str(action_port),
        "MFA_CONSOLE_PORT": str(console_port),
        "MFA_OUTBOX_PORT": str(outbox_port),
        "MFA_VAR_DIR": str(var_dir),
        "RASA_TELEMETRY_ENABLED": "false",
        **(
            {"MFA_LOAD_BALANCER_PORT": str(entry_port), "MFA_RASA_REPLICAS": "2"}
            if entry_port
            else {}
        ),
        **(extra_env or {}),
    }
    log = var_dir / "runner.log"
    already_logged = log.stat().st_size if log.exists() else 0  # a restart reuses the log
    process = spawn([sys.executable, "-m", "bot", command], env, log)
    return RunningAssistant(
        process, rasa_port, action_port, var_dir, console_port, entry_port, replica_ports,
        already_logged, outbox_port,
    )  # fmt: skip


def start_assistant(
    var_dir: Path, extra_env: dict[str, str] | None = None, command: str = "run"
) -> RunningAssistant:
    """``python -m bot <command>`` on free ports, once it has printed that it is running."""
    assistant = launch_assistant(var_dir, extra_env, command)
    assistant.wait_until_running()
    return assistant


def wait_for_ok(url: str, timeout_s: float = 180, alive: subprocess.Popen | None = None) -> None:
    """Until ``url`` answers 200 (a process's /ready or /health); ``alive`` must keep running."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert alive is None or alive.poll() is None, f"the process ended before {url} answered"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer 200 within {timeout_s} s")
