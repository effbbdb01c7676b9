"""The production profile's pure parts: store defaults, nginx's config, the ticket retry."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.handoff import ticket
from bot.handoff.ticket import Submitted, submit_retrying
from bot.processes.endpoints import lock_store_config
from bot.processes.nginx import render_config, replica_ports
from bot.processes.production import (
    LOCAL_DATABASE_URL,
    LOCAL_LOCK_STORE_URL,
    LOCAL_TRACKER_STORE_URL,
    ProfileError,
    production_settings,
)
from bot.rasa_ext.action_failures import unavailable_message
from bot.settings import Settings


def test_the_profile_defaults_to_local_postgresql_and_redis():
    profile = production_settings(Settings(_env_file=None))
    assert profile.tracker_store_url == LOCAL_TRACKER_STORE_URL
    assert profile.database_url == LOCAL_DATABASE_URL
    assert profile.lock_store_url == LOCAL_LOCK_STORE_URL


def test_the_profile_keeps_configured_stores_and_refuses_sqlite():
    configured = Settings(
        _env_file=None,
        tracker_store_url="postgresql://bot:pw@db.example/trackers",
        lock_store_url="redis://cache.example:6380/2",
    )
    profile = production_settings(configured)
    assert profile.tracker_store_url == "postgresql://bot:pw@db.example/trackers"
    assert profile.lock_store_url == "redis://cache.example:6380/2"
    with pytest.raises(ProfileError, match="MFA_DATABASE_URL"):
        production_settings(Settings(_env_file=None, database_url="sqlite:///x.db"))


def test_replicas_get_consecutive_ports():
    settings = Settings(_env_file=None, rasa_port=6000, rasa_replicas=3)
    assert replica_ports(settings) == [6000, 6001, 6002]


def test_nginx_balances_every_replica_with_safe_failover(tmp_path: Path):
    settings = Settings(_env_file=None, rasa_port=6000, rasa_replicas=2, load_balancer_port=9090)
    config = render_config(settings, tmp_path / "nginx", tmp_path / "logs")
    assert "server 127.0.0.1:6000 " in config and "server 127.0.0.1:6001 " in config
    assert "listen 127.0.0.1:9090;" in config
    assert "proxy_next_upstream error timeout http_502;" in config
    assert "non_idempotent" not in config  # a POST that reached a replica is never resent
    assert f"pid {tmp_path / 'nginx' / 'nginx.pid'};" in config
    assert "/etc/nginx" not in config and "/var/log" not in config


def test_the_lock_store_gets_its_key_prefix():
    settings = Settings(
        _env_file=None, lock_store_url="redis://h:6379/3", lock_store_key_prefix="a1"
    )
    assert lock_store_config(settings) == {
        "type": "redis",
        "url": "h",
        "port": 6379,
        "db": 3,
        "key_prefix": "a1",
    }
    with pytest.raises(ValueError, match="letters and digits"):
        Settings(_env_file=None, lock_store_key_prefix="my-prefix")


def _flaky_submit(failures: int, created: bool = True):
    calls = []

    def submit(*_args, **_kwargs) -> Submitted:
        calls.append(1)
        if len(calls) <= failures:
            raise OperationalError("INSERT", {}, Exception("connection refused"))
        return Submitted("MFA-000001", created)

    return submit, calls


def test_a_ticket_is_retried_while_the_database_is_away(monkeypatch):
    submit, calls = _flaky_submit(failures=2, created=False)
    monkeypatch.setattr(ticket, "submit", submit)
    sent = asyncio.run(submit_retrying(delays=(0, 0, 0)))
    # The lost attempt's commit is found by the next one: still this call's new ticket.
    assert sent == Submitted("MFA-000001", True) and len(calls) == 3


def test_a_ticket_retry_gives_up_with_the_error(monkeypatch):
    submit, calls = _flaky_submit(failures=10)
    monkeypatch.setattr(ticket, "submit", submit)
    with pytest.raises(OperationalError):
        asyncio.run(submit_retrying(delays=(0, 0)))
    assert len(calls) == 3


def test_other_errors_are_not_retried(monkeypatch):
    calls = []

    def broken(*_args, **_kwargs):
        calls.append(1)
        raise ValueError("name must not be empty")

    monkeypatch.setattr(ticket, "submit", broken)
    with pytest.raises(ValueError):
        asyncio.run(submit_retrying(delays=(0, 0)))
    assert len(calls) == 1


@pytest.mark.parametrize(("language", "words"), [("en", "send your message again"), ("da", "igen")])
def test_an_unreachable_action_server_is_told_with_the_servicedesk(language, words):
    message = unavailable_message(language)
    assert words in message and "+45 4674 3600" in message
