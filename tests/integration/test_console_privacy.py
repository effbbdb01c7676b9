"""The console's page for a person's data over real HTTP: admins look up, export and erase
(with a confirmation step and CSRF), other agents get 403, and the person leaves no trace in
either database or in the console's log."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.console.models import AgentEvent
from bot.settings import Settings
from tests.integration.console import (
    RunningConsole,
    add_agent,
    agent_command,
    console_env,
    csrf_token,
    sign_in,
)
from tests.integration.privacy_seed import MARKER, OTHER_MARKER, Seeded, every_text, seed

NAV_LINK = '<a href="/admin/person">'


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    var_dir = tmp_path_factory.mktemp("console-privacy")
    return console_env(
        var_dir,
        f"sqlite:///{var_dir / 'assistant.db'}",
        tracker_store_url=f"sqlite:///{var_dir / 'trackers.db'}",
    )


@pytest.fixture
def people(env) -> Seeded:
    settings = Settings(
        var_dir=Path(env["MFA_VAR_DIR"]), tracker_store_url=env["MFA_TRACKER_STORE_URL"]
    )
    tag = uuid.uuid4().hex[:6]
    return seed(settings, env["MFA_DATABASE_URL"], env["MFA_TRACKER_STORE_URL"], tag)


def signed_in(env, console, sessions, admin: bool) -> tuple[requests.Session, str]:
    username = f"agent{uuid.uuid4().hex[:8]}"
    add_agent(env, username, "Privacy Agent")
    if admin:
        assert agent_command(env, "grant-admin", username).returncode == 0
    http = requests.Session()
    sign_in(http, console, username, None, sessions)
    return http, username


def post(http: requests.Session, console: RunningConsole, path: str, **data) -> requests.Response:
    page = http.get(console.url("/tickets"))
    return http.post(console.url(path), data={"csrf_token": csrf_token(page.text), **data})


def test_other_agents_may_not_look_anyone_up(env, console, sessions):
    http, _ = signed_in(env, console, sessions, admin=False)
    assert NAV_LINK not in http.get(console.url("/tickets")).text
    assert http.get(console.url("/admin/person")).status_code == 403
    for path in ("/admin/person", "/admin/person/export", "/admin/person/erase"):
        done = post(http, console, path, key="web-anyone", by="", confirm="yes")
        assert done.status_code == 403


def test_an_admin_looks_up_exports_and_erases_with_a_confirmation(env, console, sessions, people):
    http, username = signed_in(env, console, sessions, admin=True)
    assert NAV_LINK in http.get(console.url("/tickets")).text
    assert http.get(console.url("/admin/person")).status_code == 200

    found = post(http, console, "/admin/person", key=people.open_ticket, by="")
    assert found.status_code == 200 and "Found by ticket" in found.text
    assert people.open_ticket in found.text and people.resolved_ticket in found.text

    export = post(http, console, "/admin/person/export", key=people.open_ticket, by="ticket")
    assert export.status_code == 200
    assert export.headers["Content-Disposition"].startswith("attachment;")
    document = export.json()
    assert MARKER in json.dumps(document) and OTHER_MARKER not in json.dumps(document)
    assert document["conversations"][0]["sender_id"] == people.sender

    asked = post(http, console, "/admin/person/erase", key=people.open_ticket, by="ticket")
    assert asked.status_code == 200 and "This cannot be undone" in asked.text
    assert MARKER in every_text(env["MFA_TRACKER_STORE_URL"])  # not yet

    done = post(http, console, "/admin/person/erase", key=people.open_ticket, by="ticket",
                confirm="yes")  # fmt: skip
    assert done.status_code == 200 and done.url.endswith("/admin/person")
    assert "Erased by ticket: 1 conversation(s) (4 event(s))" in done.text
    for url in (env["MFA_DATABASE_URL"], env["MFA_TRACKER_STORE_URL"]):
        assert MARKER not in every_text(url)
    assert OTHER_MARKER in every_text(env["MFA_TRACKER_STORE_URL"])
    assert MARKER not in console.log.read_text()

    with sessions() as session:
        audit = (
            session.execute(
                select(AgentEvent).where(AgentEvent.username == username).order_by(AgentEvent.id)
            )
            .scalars()
            .all()
        )
        kinds = [(event.kind, event.agent_id is not None, event.source) for event in audit]
        assert ("person_exported", True, "127.0.0.1") in kinds
        assert ("person_erased", True, "127.0.0.1") in kinds
        assert all(people.sender not in event.detail for event in audit)


def test_bad_forms_are_400(env, console, sessions):
    http, _ = signed_in(env, console, sessions, admin=True)
    assert post(http, console, "/admin/person", key="", by="").status_code == 400
    assert post(http, console, "/admin/person", key="x" * 201, by="").status_code == 400
    assert post(http, console, "/admin/person", key="abc", by="nose").status_code == 400
    refused = post(http, console, "/admin/person", key="MFA-1x", by="ticket")
    assert refused.status_code == 400 and "not a ticket reference" in refused.text
    no_csrf = http.post(console.url("/admin/person/erase"), data={"key": "abc", "confirm": "yes"})
    assert no_csrf.status_code == 400
