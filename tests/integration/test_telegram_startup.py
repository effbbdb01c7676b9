"""`python -m bot run` with Telegram misconfigured: one sentence, exit code 1, nothing started.

Chosen behaviour (docs/channels.md, "Telegram"): a Telegram that is switched on but cannot work as
configured stops the runner before anything starts; Telegram being unreachable only warns.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from tests.integration.assistant import free_port, port_is_open
from tests.integration.fake_telegram import TOKEN, FakeTelegram

pytestmark = pytest.mark.slow
WRONG_TOKEN = "987654321:AAWrongTokenWrongTokenWrongToken_xy"


def run_assistant(var_dir: Path, env: dict[str, str]) -> tuple[int, str, int]:
    rasa_port = free_port()
    process = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "MFA_VAR_DIR": str(var_dir),
            "MFA_RASA_PORT": str(rasa_port),
            "MFA_ACTION_PORT": str(free_port()),
            "MFA_CONSOLE_PORT": str(free_port()),
            "MFA_OUTBOX_PORT": str(free_port()),
            "RASA_TELEMETRY_ENABLED": "false",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=180,
    )
    return process.returncode, process.stdout + process.stderr, rasa_port


def test_a_token_telegram_rejects_stops_the_runner_with_the_sentence(tmp_path: Path):
    with FakeTelegram() as fake:
        code, output, rasa_port = run_assistant(
            tmp_path,
            {
                "MFA_TELEGRAM_MODE": "polling",
                "MFA_TELEGRAM_TOKEN": WRONG_TOKEN,
                "MFA_TELEGRAM_API_URL": fake.api_url,
            },
        )
        methods = [(call.method, call.token) for call in fake.calls]
    assert code == 1, output
    assert "MFA_TELEGRAM_TOKEN was rejected by Telegram (getMe: Unauthorized)" in output
    assert "MFA_TELEGRAM_MODE=off" in output  # and how to run without Telegram
    assert WRONG_TOKEN not in output and WRONG_TOKEN.split(":")[1] not in output
    assert methods == [("getMe", WRONG_TOKEN)]  # asked once, then nothing else
    assert "Starting the assistant" not in output and not port_is_open(rasa_port)


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        (
            {"MFA_TELEGRAM_MODE": "webhook"},
            "MFA_TELEGRAM_MODE is webhook, but MFA_TELEGRAM_TOKEN is not set",
        ),
        (
            {"MFA_TELEGRAM_MODE": "webhook", "MFA_TELEGRAM_TOKEN": TOKEN},
            "MFA_TELEGRAM_WEBHOOK_URL is not set",
        ),
    ],
    ids=["no-token", "webhook-without-url"],
)
def test_missing_settings_stop_the_runner_before_telegram_is_asked(tmp_path, env, sentence):
    with FakeTelegram() as fake:
        code, output, _ = run_assistant(
            tmp_path,
            {"MFA_TELEGRAM_API_URL": fake.api_url, "MFA_TELEGRAM_WEBHOOK_URL": "", **env},
        )
        assert fake.calls == []
    assert code == 1 and sentence in output, output
