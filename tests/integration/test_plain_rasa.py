"""A plain `rasa run` in the project says at once what to run instead (rasa_ext/rasa_compat.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from tests.integration.assistant import free_port


@pytest.mark.slow
@pytest.mark.parametrize("command", ["run", "shell"])
def test_plain_rasa_server_names_the_command_to_run(trained_model: Path, command: str, tmp_path):
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("MFA_RASA_SERVER", None)
    finished = subprocess.run(
        [sys.executable, "-m", "rasa", command, "--model", str(trained_model),
         "--port", str(free_port())],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip
    assert finished.returncode == 2, finished.stderr[-2000:]
    assert f"not served by a plain `rasa {command}`" in finished.stderr
    assert "make run" in finished.stderr
