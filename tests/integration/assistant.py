"""Start the whole assistant (`python -m bot run`) on free ports for a test, and stop it."""

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

from bot.runner import spawn

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


@dataclass
class RunningAssistant:
    process: subprocess.Popen
    rasa_port: int
    action_port: int
    var_dir: Path
    console_port: int

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def post_raw(self, body: bytes, content_type: str = "application/json") -> tuple[int, Any]:
        request = urllib.request.Request(self.webhook, body, {"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        status, replies = self.post_raw(json.dumps({"sender": sender, "message": message}).encode())
        assert status == 200, replies
        return replies

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


def start_assistant(var_dir: Path, extra_env: dict[str, str] | None = None) -> RunningAssistant:
    rasa_port, action_port, console_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "MFA_RASA_PORT": str(rasa_port),
        "MFA_ACTION_PORT": str(action_port),
        "MFA_CONSOLE_PORT": str(console_port),
        "MFA_VAR_DIR": str(var_dir),
        "RASA_TELEMETRY_ENABLED": "false",
        **(extra_env or {}),
    }
    log = var_dir / "runner.log"
    already_logged = log.stat().st_size if log.exists() else 0  # a restart reuses the log
    process = spawn([sys.executable, "-m", "bot", "run"], env, log)
    assistant = RunningAssistant(process, rasa_port, action_port, var_dir, console_port)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while b"The MFA assistant is running" not in log.read_bytes()[already_logged:]:
        if process.poll() is not None or time.monotonic() > deadline:
            assistant.stop()
            raise RuntimeError((var_dir / "runner.log").read_text()[-3000:])
        time.sleep(0.5)
    return assistant
