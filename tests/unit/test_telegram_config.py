"""Telegram settings: off by default, clear sentences for mistakes, the secret, credentials.yml."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import pytest
import yaml

from bot.channels.telegram.config import (
    ROUTE,
    config_problems,
    preflight,
    secret_token,
    webhook_url,
)
from bot.processes.credentials import TELEGRAM_CHANNEL, render_credentials, write_credentials
from bot.settings import PROJECT_ROOT, Settings

TOKEN = "123456789:AAFakeTokenForTheTests_only-1234567"


def test_telegram_is_off_by_default_and_off_needs_nothing(tmp_path: Path):
    settings = Settings(var_dir=tmp_path)
    assert settings.telegram_mode == "off"
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert config_problems(settings) == []
    assert preflight(settings) is None
    assert not (tmp_path / "telegram-secret").exists()


@pytest.mark.parametrize(
    ("settings", "sentence"),
    [
        (
            {"telegram_mode": "polling"},
            "MFA_TELEGRAM_MODE is polling, but MFA_TELEGRAM_TOKEN is not set",
        ),
        (
            {"telegram_mode": "polling", "telegram_token": "not a token"},
            "MFA_TELEGRAM_TOKEN does not look like a token from @BotFather",
        ),
        (
            {"telegram_mode": "webhook", "telegram_token": TOKEN},
            "MFA_TELEGRAM_WEBHOOK_URL is not set",
        ),
        (
            {
                "telegram_mode": "webhook",
                "telegram_token": TOKEN,
                "telegram_webhook_url": "http://bot.example.org",
            },
            "MFA_TELEGRAM_WEBHOOK_URL is not an https:// URL",
        ),
        (
            {"telegram_mode": "polling", "telegram_token": TOKEN, "telegram_secret_token": "a b"},
            "MFA_TELEGRAM_SECRET_TOKEN must be 1-256 characters",
        ),
    ],
)
def test_each_mistake_gets_a_sentence_naming_the_setting(tmp_path: Path, settings, sentence):
    problems = config_problems(Settings(var_dir=tmp_path, **settings))
    assert any(sentence in problem for problem in problems), problems


def test_a_complete_configuration_has_no_problems(tmp_path: Path):
    webhook = Settings(
        var_dir=tmp_path,
        telegram_mode="webhook",
        telegram_token=TOKEN,
        telegram_webhook_url="https://mfa.ruc.dk/bot/",
    )
    assert config_problems(webhook) == []
    assert webhook_url(webhook) == "https://mfa.ruc.dk/bot" + ROUTE
    polling = Settings(var_dir=tmp_path, telegram_mode="polling", telegram_token=TOKEN)
    assert config_problems(polling) == []


def test_the_mode_is_read_case_insensitively_and_nonsense_is_refused(monkeypatch):
    from pydantic import ValidationError

    monkeypatch.setenv("MFA_TELEGRAM_MODE", " Polling ")
    assert Settings().telegram_mode == "polling"
    monkeypatch.setenv("MFA_TELEGRAM_MODE", "poll")
    with pytest.raises(ValidationError, match="telegram_mode"):
        Settings()


def test_the_secret_is_generated_once_owner_only_and_telegram_shaped(tmp_path: Path):
    settings = Settings(var_dir=tmp_path, telegram_mode="polling", telegram_token=TOKEN)
    secret = secret_token(settings)
    assert secret == secret_token(settings)
    assert 32 <= len(secret) <= 256 and config_problems(
        Settings(var_dir=tmp_path, telegram_mode="polling", telegram_token=TOKEN,
                 telegram_secret_token=secret)
    ) == []  # fmt: skip
    assert stat.S_IMODE((tmp_path / "telegram-secret").stat().st_mode) == 0o600
    configured = Settings(var_dir=tmp_path, telegram_secret_token="configured_one")
    assert secret_token(configured) == "configured_one"


def test_an_unreachable_telegram_is_a_warning_not_a_refusal(tmp_path: Path, capsys):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(
        var_dir=tmp_path,
        telegram_mode="polling",
        telegram_token=TOKEN,
        telegram_api_url=f"http://127.0.0.1:{port}/bot",
    )
    line = preflight(settings)
    assert "not confirmed" in line
    assert "Telegram could not be reached" in capsys.readouterr().out


# --- credentials.yml ------------------------------------------------------------------------------
def test_credentials_keep_the_committed_channels_and_add_telegram_only_when_on(tmp_path: Path):
    committed = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    off = render_credentials(Settings(var_dir=tmp_path))
    assert off == committed and TELEGRAM_CHANNEL not in off
    on = render_credentials(Settings(var_dir=tmp_path, telegram_mode="polling"))
    assert on == {**committed, TELEGRAM_CHANNEL: {}}
    assert "bot.channels.rest.ValidatedRestInput" in on


def test_written_credentials_hold_no_secret_and_name_an_importable_channel(tmp_path: Path):
    import importlib

    settings = Settings(
        var_dir=tmp_path,
        telegram_mode="webhook",
        telegram_token=TOKEN,
        telegram_secret_token="s3cret_value",
    )
    path = write_credentials(settings)
    text = path.read_text()
    assert TOKEN not in text and "s3cret_value" not in text
    for name in yaml.safe_load(text):
        module, _, cls = name.rpartition(".")
        assert hasattr(importlib.import_module(module), cls), name
