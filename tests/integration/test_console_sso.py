"""The console's single sign-on against a real OpenID Connect provider on loopback
(tests/integration/oidc_provider.py, with its own keys): the whole browser round trip through
`python -m bot console`, and every way a token must be refused."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bot.console.app import create_app
from bot.console.models import Agent, AgentEvent
from bot.settings import Settings
from tests.integration.assistant import free_port
from tests.integration.console import (
    PASSWORD,
    RunningConsole,
    add_agent,
    agent_command,
    console_env,
    csrf_token,
    database_sessions,
    sign_in,
    start_console,
)
from tests.integration.oidc_provider import Provider

AGENTS, ADMINS = "g-agents-1", "g-admins-2"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    running = Provider(free_port(), "console-app", "s3cret-" + uuid.uuid4().hex).start()
    yield running
    running.stop()


def sso_env(tmp_path_factory, provider: Provider, **more: str) -> dict[str, str]:
    var_dir = tmp_path_factory.mktemp("console-sso")
    return console_env(
        var_dir,
        f"sqlite:///{var_dir / 'assistant.db'}",
        console_sso_issuer=provider.issuer,
        console_sso_client_id=provider.client_id,
        console_sso_client_secret=provider.client_secret,
        console_sso_agent_groups=f"{AGENTS}, g-other",
        console_sso_admin_groups=ADMINS,
        **more,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory, provider) -> dict[str, str]:
    return sso_env(tmp_path_factory, provider)


def person(groups: list[str], name: str = "Anna Agent") -> dict:
    oid = str(uuid.uuid4())
    return {
        "sub": f"pairwise-{oid}",
        "oid": oid,
        "preferred_username": f"a{oid[:6]}@ruc.dk",
        "name": name,
        "groups": groups,
    }


def sso_sign_in(console: RunningConsole, provider: Provider, user: dict, **overrides):
    provider.user, provider.token_overrides = user, overrides
    browser = requests.Session()
    return browser, browser.get(console.url("/sign-in/sso?next=/tickets"), timeout=30)


def events(sessions, username: str) -> list[tuple[str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(AgentEvent.kind, AgentEvent.detail)
            .where(AgentEvent.username == username)
            .order_by(AgentEvent.id)
        ).all()
    return [tuple(row) for row in rows]


def test_an_agent_signs_in_with_the_university_account(console, provider, sessions):
    user = person([AGENTS])
    browser, page = sso_sign_in(console, provider, user)
    assert page.status_code == 200 and page.url == console.url("/tickets"), page.text[-500:]
    assert "Anna Agent" in page.text
    username = user["preferred_username"]
    with sessions() as session:
        agent = session.execute(select(Agent).where(Agent.username == username)).scalar_one()
        assert agent.sso_subject == user["oid"] and not agent.is_admin and not agent.enrolled
    assert events(sessions, username) == [
        ("created", "By single sign-on."),
        ("signed_in", "Single sign-on."),
    ]
    # Not an admin: the security log stays closed; signing in again finds the same agent.
    assert browser.get(console.url("/admin/events")).status_code == 403
    _, again = sso_sign_in(console, provider, user)
    assert again.url == console.url("/tickets")
    assert [kind for kind, _ in events(sessions, username)].count("created") == 1


def test_the_admin_group_makes_an_admin_and_leaving_it_takes_it_away(console, provider, sessions):
    user = person([AGENTS, ADMINS], name="Bo Admin")
    browser, page = sso_sign_in(console, provider, user)
    assert page.url == console.url("/tickets")
    assert browser.get(console.url("/admin/events")).status_code == 200
    user["groups"] = [AGENTS]
    browser, page = sso_sign_in(console, provider, user)
    assert browser.get(console.url("/admin/events")).status_code == 403
    kinds = [kind for kind, _ in events(sessions, user["preferred_username"])]
    assert kinds[-2:] == ["admin_revoked", "signed_in"] and "admin_granted" in kinds


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "someone-elses-app"},
        {"iss": "http://127.0.0.1:9/other-tenant/v2.0"},
        {"nonce": "replayed-from-another-sign-in"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
    ],
    ids=["wrong audience", "wrong issuer", "wrong nonce", "expired"],
)
def test_a_token_that_does_not_check_out_signs_nobody_in(console, provider, sessions, overrides):
    user = person([AGENTS])
    browser, page = sso_sign_in(console, provider, user, **overrides)
    assert page.status_code == 401 and "did not work" in page.text
    assert browser.get(console.url("/tickets")).url.startswith(console.url("/sign-in"))
    with sessions() as session:
        found = select(Agent).where(Agent.sso_subject == user["oid"])
        assert session.execute(found).scalar_one_or_none() is None


def test_a_token_signed_with_another_key_signs_nobody_in(console, provider):
    from joserfc.jwk import RSAKey

    real = provider.key
    provider.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})  # same kid, other key
    try:
        # the JWKS the console fetched before still holds the real key
        _, page = sso_sign_in(console, provider, person([AGENTS]))
    finally:
        provider.key = real
    assert page.status_code == 401


def test_someone_outside_the_servicedesk_groups_gets_403(console, provider, sessions):
    user = person(["g-students"])
    browser, page = sso_sign_in(console, provider, user)
    assert page.status_code == 403 and "not in a servicedesk group" in page.text
    assert browser.get(console.url("/tickets")).url.startswith(console.url("/sign-in"))
    assert events(sessions, user["preferred_username"]) == [
        ("sign_in_refused", "In no servicedesk group.")
    ]


def test_a_state_that_was_not_ours_is_refused(console, provider):
    provider.user = person([AGENTS])
    browser = requests.Session()
    page = browser.get(console.url("/sign-in/sso/callback?code=x&state=forged"), timeout=30)
    assert page.status_code == 401


def test_passwords_are_off_while_single_sign_on_is_on(console, env, sessions):
    add_agent(env, "localagent", "Local Agent")
    form = requests.get(console.url("/sign-in"))
    assert "Sign in with your university account" in form.text
    assert 'name="password"' not in form.text
    # A password posted anyway (a crafted request) is refused before it is checked.
    settings = Settings(
        _env_file=None,
        var_dir=Path(env["MFA_VAR_DIR"]),
        database_url=env["MFA_DATABASE_URL"],
        console_sso_issuer=env["MFA_CONSOLE_SSO_ISSUER"],
    )
    app = create_app(settings, sessions)
    app.config["WTF_CSRF_ENABLED"] = False
    answer = app.test_client().post(
        "/sign-in", data={"username": "localagent", "password": PASSWORD}
    )
    assert answer.status_code == 403 and b"university account" in answer.data
    assert ("sign_in_refused", "wrong password") not in events(sessions, "localagent")


def test_the_break_glass_lets_local_admins_only(tmp_path_factory, provider):
    env = sso_env(tmp_path_factory, provider, console_break_glass="true")
    console = start_console(env)
    try:
        add_agent(env, "glassadmin", "Glass Admin")
        assert agent_command(env, "grant-admin", "glassadmin").returncode == 0
        add_agent(env, "glassagent", "Glass Agent")
        with database_sessions(env) as factory:
            sign_in(requests.Session(), console, "glassadmin", None, factory)
        browser = requests.Session()
        form = browser.get(console.url("/sign-in"))
        assert 'name="password"' in form.text and "university account" in form.text
        refused = browser.post(
            console.url("/sign-in"),
            data={"csrf_token": csrf_token(form.text), "username": "glassagent",
                  "password": PASSWORD},
        )  # fmt: skip
        assert refused.status_code == 403
    finally:
        assert console.stop() == 0
