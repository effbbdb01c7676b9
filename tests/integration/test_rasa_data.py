"""Rasa's own checks on the repo's data and the trained model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.processes.training import rasa_environment
from bot.settings import PROJECT_ROOT


def rasa(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args],
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_data_validates_without_a_single_warning():
    # bot.rasa_ext.data_check: `rasa data validate --fail-on-warnings`, knowing forms ask.
    result = subprocess.run(
        [sys.executable, "-m", "bot.rasa_ext.data_check"],
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "UserWarning" not in output, output[-3000:]


@pytest.mark.slow
def test_every_test_story_is_predicted_exactly(trained_model: Path, tmp_path: Path):
    result = rasa(
        "test", "core",
        "--model", str(trained_model),
        "--stories", "tests/stories",
        "--out", str(tmp_path),
        "--e2e",  # parse each user text with the model's NLU, not the story's label
        "--fail-on-prediction-errors",
    )  # fmt: skip
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:] + details
    assert not details or "None of the test stories failed" in details, details
