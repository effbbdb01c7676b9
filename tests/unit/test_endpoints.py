from pathlib import Path

from bot.processes.endpoints import TRACKER_STORE, render_endpoints, write_endpoints
from bot.settings import Settings


def test_embedded_defaults_are_a_sqlite_file_and_an_in_memory_lock(tmp_path: Path):
    endpoints = render_endpoints(Settings(var_dir=tmp_path, action_port=6000))
    assert endpoints["tracker_store"] == {
        "type": TRACKER_STORE, "dialect": "sqlite", "db": str(tmp_path / "trackers.db")
    }  # fmt: skip
    assert endpoints["lock_store"] == {"type": "in_memory"}
    secret = (tmp_path / "action-secret").read_text().strip()  # made once, the owner's only
    assert len(secret) >= 32 and (tmp_path / "action-secret").stat().st_mode & 0o077 == 0
    assert endpoints["action_endpoint"] == {
        "url": "http://127.0.0.1:6000/webhook", "headers": {"X-Action-Secret": secret},
        "enable_selective_domain": True,
    }  # fmt: skip
    again = render_endpoints(Settings(var_dir=tmp_path, action_port=6000))
    assert again["action_endpoint"]["headers"] == {"X-Action-Secret": secret}


def test_a_configured_action_secret_and_interface_are_used(tmp_path: Path):
    settings = Settings(var_dir=tmp_path, action_secret="s" * 40, action_host="10.1.2.3")
    endpoint = render_endpoints(settings)["action_endpoint"]
    assert endpoint == {
        "url": "http://10.1.2.3:5055/webhook",
        "headers": {"X-Action-Secret": "s" * 40},
        "enable_selective_domain": True,
    }
    assert not (tmp_path / "action-secret").exists()
    wildcard = Settings(var_dir=tmp_path, action_secret="s" * 40, action_host="0.0.0.0")
    assert wildcard.action_server_url == "http://127.0.0.1:5055/webhook"


def test_production_urls_become_postgres_and_redis(tmp_path: Path):
    settings = Settings(
        var_dir=tmp_path,
        tracker_store_url="postgresql://rasa:secret@db.example:5433/trackers",
        lock_store_url="redis://:pw@cache.example:6380/2",
    )
    endpoints = render_endpoints(settings)
    assert endpoints["tracker_store"] == {
        "type": TRACKER_STORE, "dialect": "postgresql", "db": "trackers",
        "url": "db.example", "port": 5433, "username": "rasa", "password": "secret",
    }  # fmt: skip
    assert endpoints["lock_store"] == {
        "type": "redis", "url": "cache.example", "port": 6380, "db": 2, "password": "pw"
    }  # fmt: skip


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MFA_RASA_PORT", "7005")
    monkeypatch.setenv("MFA_SERVICEDESK_OPENS", "09:30")
    monkeypatch.setenv("MFA_SERVICEDESK_WEEKDAYS", "mon-thu")
    monkeypatch.setenv("MFA_SERVICEDESK_CLOSED_DATES", "2026-12-24,2026-12-31")
    settings = Settings()
    assert settings.rasa_port == 7005
    hours = settings.service_hours
    assert (hours.opens.hour, hours.opens.minute) == (9, 30)
    assert hours.weekdays == frozenset({0, 1, 2, 3})
    assert len(hours.extra_closed) == 2


def test_written_endpoints_file_is_yaml_rasa_can_read(tmp_path: Path):
    from rasa.core.utils import AvailableEndpoints

    path = write_endpoints(Settings(var_dir=tmp_path))
    endpoints = AvailableEndpoints.read_endpoints(str(path))
    assert endpoints.tracker_store.type == TRACKER_STORE
    assert endpoints.action.url.endswith("/webhook")


def test_a_bad_calendar_setting_fails_at_load_time_with_its_name(monkeypatch):
    from pydantic import ValidationError

    monkeypatch.setenv("MFA_SERVICEDESK_WEEKDAYS", "monday-friday")
    try:
        Settings()
    except ValidationError as error:
        assert "monday" in str(error)
    else:
        raise AssertionError("an invalid weekday range was accepted")
