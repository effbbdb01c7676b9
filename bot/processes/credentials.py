"""Rasa's credentials.yml (its list of input channels), rendered from the settings.

The committed credentials.yml lists the channels that are always on (REST, the web widget).
Channels that need configuration are added here only when configured, so the embedded
defaults run without them: Telegram when MFA_TELEGRAM_MODE is webhook or polling. Nothing
secret is written: the channels read their tokens from the settings (the environment).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.secret_files import write_private
from bot.settings import PROJECT_ROOT, Settings

TELEGRAM_CHANNEL = "bot.channels.telegram.channel.TelegramInput"


def render_credentials(settings: Settings, base: Path = PROJECT_ROOT / "credentials.yml") -> dict:
    channels: dict[str, Any] = yaml.safe_load(base.read_text()) or {}
    if settings.telegram_mode != "off":
        channels[TELEGRAM_CHANNEL] = {}
    return channels


def write_credentials(settings: Settings) -> Path:
    """Write credentials.yml into the runtime directory and return its path."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.var_dir / "credentials.yml"
    # It may hold the Telegram bot's token and webhook secret.
    write_private(
        path,
        "# Written by bot/processes/credentials.py at start-up from credentials.yml and the "
        "settings.\n" + yaml.safe_dump(render_credentials(settings), sort_keys=False),
    )
    return path
