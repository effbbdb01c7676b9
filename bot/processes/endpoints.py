"""Rasa's endpoints.yml, rendered from the settings.

Rasa reads stores and the action server from a YAML file and cannot fall back to defaults for
unset environment variables, so the file is written at start-up from the one settings object
instead of being committed with values that differ between a laptop and production.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import make_url

from bot.rasa_ext.action_server import HEADER as ACTION_SECRET_HEADER
from bot.rasa_ext.action_server import action_secret
from bot.secret_files import write_private
from bot.settings import Settings

TRACKER_STORE = "bot.rasa_ext.tracker_store.RedactingSQLTrackerStore"
# Responses in the conversation's language (bot/rasa_ext/nlg.py).
NLG = "bot.rasa_ext.nlg.LocalizedNLG"


def tracker_store_config(settings: Settings) -> dict[str, Any]:
    """Rasa's SQL tracker store, redacting secrets (bot/rasa_ext/tracker_store.py); SQLite by
    default.

    The database host goes in "url": Rasa passes that as the store's host (a "host" key would
    reach the constructor twice).
    """
    url = make_url(settings.resolved_tracker_store_url)
    config: dict[str, Any] = {"type": TRACKER_STORE, "dialect": url.drivername, "db": url.database}
    optional = {
        "url": url.host,
        "port": url.port,
        "username": url.username,
        "password": url.password,
    }
    config.update({key: value for key, value in optional.items() if value is not None})
    return config


def lock_store_config(settings: Settings) -> dict[str, Any]:
    """Redis when several Rasa replicas share conversations, in-memory for a single process."""
    if not settings.lock_store_url:
        return {"type": "in_memory"}
    url = make_url(settings.lock_store_url)
    config: dict[str, Any] = {
        "type": "redis",
        "url": url.host or "localhost",
        "port": url.port or 6379,
        "db": int(url.database or 0),
    }
    if url.password:
        config["password"] = url.password
    if settings.lock_store_key_prefix:
        config["key_prefix"] = settings.lock_store_key_prefix
    return config


def render_endpoints(settings: Settings) -> dict[str, Any]:
    return {
        "action_endpoint": {
            "url": settings.action_server_url,
            "headers": {ACTION_SECRET_HEADER: action_secret(settings)},
            # The domain goes only to the actions that read it (send_domain in domain.yml).
            "enable_selective_domain": True,
        },
        "tracker_store": tracker_store_config(settings),
        "lock_store": lock_store_config(settings),
        "nlg": {"type": NLG},
    }


def write_endpoints(settings: Settings) -> Path:
    """Write endpoints.yml into the runtime directory and return its path."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.var_dir / "endpoints.yml"
    # It holds the action server's secret and perhaps database passwords.
    write_private(path, yaml.safe_dump(render_endpoints(settings), sort_keys=False))
    return path
