"""The servicedesk console over real HTTP: `python -m bot console` on a free loopback port.

One console process serves the module (on a SQLite file, as ``make run`` does); each test uses
its own agents and tickets in that database, and checks the audit logs directly in it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pyotp
import pytest
import requests
from sqlalchemy.orm import Session

from bot import db
from bot.console import auth
from bot.tickets import store
from bot.tickets.models import Ticket
from bot.tickets.store import TicketDraft
from tests.integration.console import (
    PASSWORD,
    RunningConsole,
    add_agent,
    agent_command,
    console_env,
    csrf_token,
    last_step,
    sign_in,
    start_console,
)

LOCKOUT_FAILURES = 3


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    var_dir = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{var_dir / 'assistant.db'}"
    return console_env(var_dir, url, console_lockout_failures=str(LOCKOUT_FAILURES))


@pytest.fixture(scope="module")
def console(env) -> Iterator[RunningConsole]:
    running = start_console(env)
    yield running
    assert running.stop() == 0, running.log.read_text()[-2000:]


@pytest.fixture(scope="module")
def sessions(env, console):
    """Sessions on the console's database (migrated by the console at start-up)."""
    engine = db.make_engine(env["MFA_DATABASE_URL"])
    yield lambda: Session(engine, future=True)
    engine.dispose()


@pytest.fixture
def username(env) -> str:
    name = f"agent{uuid.uuid4().hex[:8]}"
    add_agent(env, name, "Test Agent")
    return name


class Client(requests.Session):
    """A browser-like HTTP client that remembers its agent's TOTP secret."""

    secret: str = ""


@pytest.fixture
def http(console, sessions, username) -> Client:
    """Signed in as a freshly enrolled agent."""
    client = Client()
    client.secret = sign_in(client, console, username, None, sessions)
    return client


def make_ticket(sessions, name: str = "Mette Frederiksen", urgent: bool = False, **kw) -> str:
    draft = TicketDraft(
        conversation_id=f"web:{uuid.uuid4().hex}",
        channel="rest",
        name=name,
        username=kw.get("user", "mefr@ruc.dk"),
        phone="+45 11 22 33 44",
        summary=kw.get("summary", "Lost phone; Authenticator gone."),
        contact_preference="call",
        urgent=urgent,
        transcript=kw.get("transcript", [{"who": "user", "text": "I lost my phone"}]),
    )
    with sessions() as session:
        ticket, _ = store.create_ticket(
            session, draft, uuid.uuid4().hex, datetime.now(timezone.utc), []
        )
        return ticket.reference


def ticket_state(sessions, reference: str) -> tuple[Ticket, list[tuple[str, str, str]]]:
    with sessions() as session:
        ticket = store.get_by_reference(session, reference)
        log = [(e.kind, e.actor, e.detail) for e in store.events(session, ticket)]
        session.expunge(ticket)
        return ticket, log


def security_log(sessions, username: str) -> list[str]:
    with sessions() as session:
        return [event.kind for event in auth.agent_events(session, username)]


def page_error(html: str) -> str:
    match = re.search(r'<p class="error" role="alert">([^<]*)</p>', html)
    assert match, "no error message on the page"
    return match.group(1)


def submit_password(
    client: requests.Session, console: RunningConsole, username: str, password: str
) -> requests.Response:
    page = client.get(console.url("/sign-in"))
    return client.post(
        console.url("/sign-in"),
        data={"csrf_token": csrf_token(page.text), "username": username, "password": password},
    )


def post(http: requests.Session, console: RunningConsole, path: str, **data) -> requests.Response:
    page = http.get(console.url("/tickets"))
    return http.post(console.url(path), data={"csrf_token": csrf_token(page.text), **data})


def test_health_and_pages_need_sign_in(console, sessions) -> None:
    assert requests.get(console.url("/health")).text == "ok"
    reference = make_ticket(sessions)
    client = requests.Session()
    for path in ("/", "/tickets", f"/tickets/{reference}"):
        answer = client.get(console.url(path))
        assert answer.status_code == 200 and "/sign-in" in answer.url, path
        assert "Mette" not in answer.text and "mefr@ruc.dk" not in answer.text
    # A valid CSRF token but no sign-in: sent to sign in, nothing recorded.
    token = csrf_token(client.get(console.url("/sign-in")).text)
    answer = client.post(
        console.url(f"/tickets/{reference}/claim"),
        data={"csrf_token": token},
        allow_redirects=False,
    )
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]
    assert [kind for kind, _, _ in ticket_state(sessions, reference)[1]] == ["created"]


def test_enrolment_sign_out_and_cookie(console, sessions, username) -> None:
    client = requests.Session()
    page = client.get(console.url("/sign-in"))
    cookie = page.headers["Set-Cookie"]
    assert "mfa_console=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" not in cookie, "before sign-in the cookie lasts as long as the browser"
    answer = client.post(
        console.url("/sign-in"),
        data={"csrf_token": csrf_token(page.text), "username": username, "password": "x" * 12},
    )
    assert answer.status_code == 401
    assert page_error(answer.text) == "The username or the password is wrong."

    secret = sign_in(client, console, username, None, sessions)
    signed_in_cookie = client.cookies._cookies["127.0.0.1"]["/"]["mfa_console"]
    assert signed_in_cookie.expires is not None, "a signed-in session expires"
    assert signed_in_cookie.has_nonstandard_attr("HttpOnly")

    tickets = client.get(console.url("/tickets"))
    assert "Signed in as" in tickets.text and username in tickets.text
    out = client.post(console.url("/sign-out"), data={"csrf_token": csrf_token(tickets.text)})
    assert out.url.endswith("/sign-in") and "You are signed out." in out.text
    assert "/sign-in" in client.get(console.url("/tickets")).url

    sign_in(client, console, username, secret, sessions)
    assert security_log(sessions, username) == [
        "created",
        "password_set",
        "sign_in_failed",
        "enrolled",
        "signed_in",
        "signed_out",
        "signed_in",
    ]


def test_enrolment_page_shows_a_qr_code_and_the_key(console, sessions, username) -> None:
    client = requests.Session()
    enrol = submit_password(client, console, username, PASSWORD)
    assert enrol.url.endswith("/enrol")
    assert '<svg role="img"' in enrol.text and "Can't scan?" in enrol.text
    again = client.get(console.url("/enrol"))
    key = re.search(r'id="manual-secret"[^>]*>([^<]+)<', again.text).group(1)
    assert key in enrol.text, "a reload shows the same secret to scan"
    token = csrf_token(enrol.text)
    wrong = client.post(console.url("/enrol"), data={"csrf_token": token, "code": "12"})
    assert wrong.status_code == 401 and "wrong" in page_error(wrong.text)
    with sessions() as session:
        assert auth.find_agent(session, username).totp_secret is None


def test_a_code_is_accepted_once(console, sessions, http, username) -> None:
    used = pyotp.TOTP(http.secret).generate_otp(last_step(sessions, username))
    client = requests.Session()
    answer = submit_password(client, console, username, PASSWORD)
    replay = client.post(
        console.url("/sign-in/code"), data={"csrf_token": csrf_token(answer.text), "code": used}
    )
    assert replay.status_code == 401 and "used already" in page_error(replay.text)
    with sessions() as session:
        details = [e.detail for e in auth.agent_events(session, username)]
    assert details[-1] == "code already used"


def test_lockout_reads_the_same_for_unknown_names(console, sessions, username) -> None:
    def fail(name: str) -> list[tuple[int, str]]:
        client = requests.Session()
        replies = []
        for _ in range(LOCKOUT_FAILURES + 1):
            answer = submit_password(client, console, name, "wrong" * 3)
            replies.append((answer.status_code, page_error(answer.text)))
        return replies

    real, unknown = fail(username), fail(f"nobody{uuid.uuid4().hex[:6]}")
    assert real == unknown
    assert [status for status, _ in real] == [401] * (LOCKOUT_FAILURES - 1) + [429, 429]
    assert "blocked for 15 minutes" in real[-1][1]

    # Locked: the right password does not help, until an administrator unlocks the account.
    client = requests.Session()
    answer = submit_password(client, console, username, PASSWORD)
    assert answer.status_code == 429
    done = agent_command(console.env, "unlock", username)
    assert done.returncode == 0, done.stderr
    sign_in(client, console, username, None, sessions)
    log = security_log(sessions, username)
    assert log.count("locked_out") == 1 and log[-3:] == ["unlocked", "enrolled", "signed_in"]


def test_reset_totp_and_disable_end_sessions(console, sessions, http, username) -> None:
    assert http.get(console.url("/tickets")).url.endswith("/tickets")
    assert agent_command(console.env, "reset-totp", username).returncode == 0
    assert "/sign-in" in http.get(console.url("/tickets")).url
    sign_in(http, console, username, None, sessions)  # enrols a new secret
    assert agent_command(console.env, "disable", username).returncode == 0
    assert "/sign-in" in http.get(console.url("/tickets")).url


def test_csrf_is_required_on_every_post(console, sessions, http) -> None:
    reference = make_ticket(sessions)
    other = requests.Session()
    foreign_token = csrf_token(other.get(console.url("/sign-in")).text)
    for path, data in (
        (f"/tickets/{reference}/claim", {}),
        (f"/tickets/{reference}/note", {"text": "hello"}),
        (f"/tickets/{reference}/resolve", {"identity_verified": "yes"}),
        ("/sign-out", {}),
    ):
        for token in (None, "garbage", foreign_token):
            form = dict(data) if token is None else {**data, "csrf_token": token}
            answer = http.post(console.url(path), data=form)
            assert answer.status_code == 400, (path, token)
            assert "did not come from this console" in answer.text
    ticket, log = ticket_state(sessions, reference)
    assert ticket.status == "open" and [kind for kind, _, _ in log] == ["created"]
    assert http.get(console.url("/tickets")).url.endswith("/tickets"), "still signed in"


def test_ticket_list_filters_search_and_urgency(console, sessions, http) -> None:
    tag = uuid.uuid4().hex[:6]
    calm = make_ticket(sessions, f"Calm {tag}")
    urgent = make_ticket(sessions, f"Urgent {tag}", urgent=True)
    newest = make_ticket(sessions, f"Newest {tag}", user=f"new{tag}@ruc.dk")
    done = make_ticket(sessions, f"Done {tag}", urgent=True)
    with sessions() as session:
        ticket = store.get_by_reference(session, done)
        store.resolve(session, ticket, "someone", True, "", datetime.now(timezone.utc))

    def listed(**params) -> list[str]:
        answer = http.get(console.url("/tickets"), params={"q": tag, **params})
        assert answer.status_code == 200
        return re.findall(r">(MFA-\d{6})</a>", answer.text)

    assert listed() == [urgent, newest, calm], "not resolved, urgent first, then newest"
    assert listed(status="resolved") == [done]
    assert listed(status="all") == [urgent, done, newest, calm]
    assert listed(status="open") == [urgent, newest, calm]
    assert listed(status="claimed") == []
    assert listed(q=f"NEW{tag}@RUC") == [newest]
    assert listed(q=calm.lower(), status="all") == [calm]
    page = http.get(console.url("/tickets"), params={"q": tag}).text
    assert page.count('<span class="badge urgent">Urgent</span>') == 1

    bad = http.get(console.url("/tickets"), params={"status": "closed"})
    assert bad.status_code == 400 and "Unknown status filter" in bad.text
    long = http.get(console.url("/tickets"), params={"q": "x" * 201})
    assert long.status_code == 400 and "longer than 200" in long.text


def test_ticket_page_shows_everything_escaped(console, sessions, http, username) -> None:
    reference = make_ticket(
        sessions,
        name="<b>Bold</b> Ørsted",
        summary="Says <script>alert(1)</script>",
        transcript=[
            {"role": "user", "text": "<img src=x onerror=alert(1)>", "at": "09:15"},
            {"role": "assistant", "text": "The servicedesk can help."},
            "stray line",
        ],
    )
    page = http.get(console.url(f"/tickets/{reference.lower()}"))
    assert page.status_code == 200 and page.url.endswith(f"/tickets/{reference}")
    html = page.text
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>Bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "stray line" in html
    assert "+45 11 22 33 44" in html and "a phone call" in html
    assert "Identity verified with photo ID" in html
    _, log = ticket_state(sessions, reference)
    assert log[-1][:2] == ("viewed", f"agent:{username}")


def test_claim_note_resolve_are_recorded(console, sessions, http, username) -> None:
    reference = make_ticket(sessions)
    actor = f"agent:{username}"
    claimed = post(http, console, f"/tickets/{reference}/claim")
    assert claimed.status_code == 200 and f"You have claimed {reference}." in claimed.text
    noted = post(http, console, f"/tickets/{reference}/note", text="  Called, no answer.  ")
    assert "Your note has been added." in noted.text

    empty = post(http, console, f"/tickets/{reference}/note", text="   ")
    assert empty.status_code == 400 and "The note is empty" in page_error(empty.text)
    missing = post(http, console, f"/tickets/{reference}/note")
    assert missing.status_code == 400 and "The form has no text field." in missing.text
    unclear = post(http, console, f"/tickets/{reference}/resolve", identity_verified="maybe")
    assert unclear.status_code == 400 and "identity_verified" in unclear.text
    assert ticket_state(sessions, reference)[0].status == "claimed"

    resolved = post(
        http, console, f"/tickets/{reference}/resolve", identity_verified="yes", note="New phone."
    )
    assert resolved.status_code == 200 and "with a photo ID check" in resolved.text
    again = post(http, console, f"/tickets/{reference}/resolve", identity_verified="yes")
    assert again.status_code == 409 and "already resolved" in page_error(again.text)
    late_claim = post(http, console, f"/tickets/{reference}/claim")
    assert late_claim.status_code == 409 and "cannot be claimed" in page_error(late_claim.text)

    ticket, log = ticket_state(sessions, reference)
    assert (ticket.status, ticket.identity_verified, ticket.claimed_by) == (
        "resolved",
        True,
        username,
    )
    steps = [(kind, who, detail) for kind, who, detail in log if kind != "viewed"]
    assert steps == [
        ("created", "assistant", steps[0][2]),
        ("claimed", actor, ""),
        ("note", actor, "Called, no answer."),
        ("resolved", actor, "Identity checked with photo ID: yes.\nNew phone."),
    ]


def test_resolving_without_the_box_records_no_check(console, sessions, http) -> None:
    reference = make_ticket(sessions)
    answer = post(http, console, f"/tickets/{reference}/resolve", note="")
    assert answer.status_code == 200 and "WITHOUT a photo ID check" in answer.text
    ticket, log = ticket_state(sessions, reference)
    assert (ticket.status, ticket.identity_verified) == ("resolved", False)
    assert log[-2][2] == "Identity checked with photo ID: NO."  # the last one is the view


def test_unknown_tickets_and_pages_are_404(console, http) -> None:
    for path in ("/tickets/MFA-999999", "/tickets/garbage", "/tickets/MFA-99999999999", "/nope"):
        answer = http.get(console.url(path))
        assert answer.status_code == 404, path
        assert "There is no such page or ticket" in answer.text
    answer = post(http, console, "/tickets/MFA-999999/claim")
    assert answer.status_code == 404


def test_security_headers(console, http) -> None:
    answer = http.get(console.url("/tickets"))
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]


def test_bad_sign_in_forms_are_400(console, sessions) -> None:
    client = requests.Session()
    token = csrf_token(client.get(console.url("/sign-in")).text)
    missing = client.post(console.url("/sign-in"), data={"csrf_token": token, "username": "x"})
    assert missing.status_code == 400 and "The form has no password field." in missing.text
    empty = client.post(
        console.url("/sign-in"), data={"csrf_token": token, "username": " ", "password": ""}
    )
    assert empty.status_code == 400
    assert page_error(empty.text) == "Enter your username and your password."
    huge = client.post(
        console.url("/sign-in"), data={"csrf_token": token, "username": "x", "password": "x" * 2000}
    )
    assert huge.status_code == 400 and "longer than 1024 characters" in huge.text
    # The code page without a password step first: back to the start.
    code = client.post(console.url("/sign-in/code"), data={"csrf_token": token, "code": "123456"})
    assert code.url.endswith("/sign-in") and "Please sign in again." in code.text
