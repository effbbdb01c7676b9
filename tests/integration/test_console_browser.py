"""An agent's first day in a real browser: headless Chromium driven by Playwright.

The whole assistant runs as `make run` starts it; a user's conversation creates the ticket. The
agent's account is made with the admin command, the authenticator is set up from the page (the
key read as a person would read it, the QR code decoded from a screenshot), and the ticket is
found, claimed and resolved with the photo-ID box ticked. The database then has to say so.

Chromium is the system's (``scripts/ensure-chromium.sh`` installs it); Playwright never
downloads a browser here. A missing Chromium fails the test: a skipped browser test would
look like a passing one.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from bot import db
from bot.console import auth
from bot.settings import PROJECT_ROOT
from bot.tickets import store
from tests.integration.assistant import RunningAssistant, new_sender, start_assistant, texts
from tests.integration.console import (
    add_agent,
    console_env,
    fresh_code,
    last_step,
)
from tests.integration.console_browser import enter_password
from tests.integration.qr import decode_qr

FIRST_MESSAGE = "I got a new phone and my old one was stolen, so I can't sign in"
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "console"
USERNAME = "karen"
DISPLAY_NAME = "Karen Blixen"


@dataclass(frozen=True)
class AssistantTicket:
    reference: str
    name: str


@dataclass(frozen=True)
class ConsoleAddress:
    """The console the assistant's runner started, on its own port."""

    port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def assistant(trained_model: Path, tmp_path) -> Iterator[RunningAssistant]:
    """The whole assistant as `make run` starts it: Rasa, actions, outbox worker, console."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    running = start_assistant(var_dir)
    yield running
    running.stop()


@pytest.fixture
def env(assistant) -> dict[str, str]:
    var_dir = assistant.var_dir
    return console_env(var_dir, f"sqlite:///{var_dir / 'assistant.db'}")


@pytest.fixture
def console(assistant) -> ConsoleAddress:
    return ConsoleAddress(assistant.console_port)


@pytest.fixture
def sessions(env):
    engine = db.make_engine(env["MFA_DATABASE_URL"])
    yield lambda: Session(engine, future=True)
    engine.dispose()


@pytest.fixture
def ticket_from_assistant(assistant) -> AssistantTicket:
    """A ticket made the way users make them: a conversation with the running assistant."""
    # A name of letters only (the form refuses digits in names), unique to this run.
    name = "Søren " + "".join(random.choices(string.ascii_lowercase, k=8)).title()
    user = new_sender()
    for message in (
        FIRST_MESSAGE,
        '/start_walkthrough{"walkthrough": "lost_phone"}',
        "no",  # no other way to sign in
        "yes",  # create a ticket
        name,
        "sokie@ruc.dk",
        "/deny",  # no phone number
        "/affirm",  # keep the proposed description
        "I'll come by in person",
    ):
        assistant.say(user, message)
    created = texts(assistant.say(user, "/affirm"))
    [reference] = re.findall(r"MFA-\d{6}", created)
    return AssistantTicket(reference, name)


def test_agent_enrols_signs_in_and_resolves_a_ticket(
    env, console, sessions, ticket_from_assistant: AssistantTicket, page: Page
) -> None:
    add_agent(env, USERNAME, DISPLAY_NAME)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # First sign-in: the password, then setting up the authenticator app.
    page.goto(console.url("/tickets"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    enter_password(page, USERNAME)
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    page.get_by_text("Can't scan?").click()
    secret = page.locator("#manual-secret").inner_text().replace(" ", "")
    assert len(secret) == 32

    qr = page.get_by_role("img", name="QR code for your authenticator app")
    page.screenshot(path=str(ARTIFACTS / "enrol.png"), full_page=True)
    decoded = decode_qr(qr.screenshot())
    assert decoded == auth.provisioning_uri(secret, USERNAME)
    assert parse_qs(urlsplit(decoded).query)["issuer"] == ["RUC MFA servicedesk"]

    page.get_by_label("Six-digit code").fill(fresh_code(secret, None))
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {DISPLAY_NAME}")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    # Second sign-in: password and a code from the app (a newer one than at enrolment).
    enter_password(page, USERNAME)
    expect(page.get_by_role("heading", name="Code from your authenticator app")).to_be_visible()
    page.get_by_label("Six-digit code").fill(fresh_code(secret, last_step(sessions, USERNAME)))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()

    # Find the ticket by the person's name, open it, claim it, resolve it after the ID check.
    page.get_by_label("Search reference, name or username").fill(ticket_from_assistant.name)
    page.get_by_role("button", name="Show").click()
    page.get_by_role("button", name=ticket_from_assistant.reference).click()
    expect(page.get_by_role("heading", name=ticket_from_assistant.reference)).to_be_visible()
    expect(page.get_by_text(FIRST_MESSAGE).first).to_be_visible()

    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_text(f"You have claimed {ticket_from_assistant.reference}.")).to_be_visible()
    page.get_by_label("Identity verified with photo ID").check()
    page.get_by_label("Note (optional)").fill(
        "Came by with a passport; MFA moved to the new phone."
    )
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_text("is resolved (with a photo ID check)")).to_be_visible()
    expect(page.locator("#identity-verified")).to_have_text("Yes")
    page.screenshot(path=str(ARTIFACTS / "resolved.png"), full_page=True)

    with sessions() as session:
        ticket = store.get_by_reference(session, ticket_from_assistant.reference)
        assert (ticket.status, ticket.identity_verified, ticket.claimed_by) == (
            "resolved",
            True,
            USERNAME,
        )
        log = [(event.kind, event.actor, event.detail) for event in store.events(session, ticket)]
        security = [event.kind for event in auth.agent_events(session, USERNAME)]
    actor = f"agent:{USERNAME}"
    assert ("claimed", actor, "") in log
    resolved = [entry for entry in log if entry[0] == "resolved"]
    assert resolved == [
        (
            "resolved",
            actor,
            "Identity checked with photo ID: yes.\n"
            "Came by with a passport; MFA moved to the new phone.",
        )
    ]
    assert ("viewed", actor, "") in log
    assert security == [
        "created",
        "password_set",
        "enrolled",
        "signed_in",
        "signed_out",
        "signed_in",
    ]
