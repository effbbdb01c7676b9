"""`python -m bot prepare | rasa | actions`: the processes one at a time, as systemd's units
(deploy/systemd/) start them: prepared once, then each process on its own, answering a user."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.processes.training import rasa_environment
from tests.integration.assistant import free_port, new_sender, texts, wait_for_ok

pytestmark = pytest.mark.slow


def test_each_process_runs_on_its_own_after_prepare(trained_model: Path, tmp_path: Path):
    rasa_port, action_port = free_port(), free_port()
    env = {
        **rasa_environment(),
        "MFA_VAR_DIR": str(tmp_path),
        "MFA_RASA_PORT": str(rasa_port),
        "MFA_ACTION_PORT": str(action_port),
        "MFA_MODELS_DIR": str(trained_model.parent),
    }

    def bot(*args: str, **options) -> subprocess.Popen:
        log = (tmp_path / f"{args[0]}.log").open("ab")
        return subprocess.Popen([sys.executable, "-m", "bot", *args], env=env, stdout=log,
                                stderr=subprocess.STDOUT, **options)  # fmt: skip

    early = bot("rasa")
    assert early.wait(60) != 0  # several replicas must not each train: prepare comes first
    assert "Run `python -m bot prepare` first" in (tmp_path / "rasa.log").read_text()

    assert bot("prepare").wait(300) == 0
    assert {"endpoints.yml", "credentials.yml", "assistant.db", "trackers.db"} <= {
        p.name for p in tmp_path.iterdir()
    }
    # The tracker tables exist before any replica starts: replicas started at once never race.
    with sqlite3.connect(tmp_path / "trackers.db") as trackers:
        found = {name for (name,) in trackers.execute("SELECT name FROM sqlite_master")}
    assert {"events", "insight_turns", "ix_insight_turns_queued"} <= found
    actions, rasa = bot("actions"), bot("rasa", "--port", str(rasa_port))
    try:
        wait_for_ok(f"http://127.0.0.1:{action_port}/ready", alive=actions)
        wait_for_ok(f"http://127.0.0.1:{rasa_port}/ready", alive=rasa)
        # exec: the pid systemd watches is the server itself, not a launcher around it
        for process, module in ((rasa, "bot.rasa_ext.rasa_server"), (actions, "action_server")):
            assert module in Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
            json.dumps({"sender": new_sender(), "message": "I want to talk to a person"}).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            answer = texts(json.loads(reply.read()))
        assert "+45 4674 3600" in answer  # the handoff offer, which runs an action
    finally:
        for process in (rasa, actions):
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
