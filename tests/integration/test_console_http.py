"""The servicedesk console over real HTTP: `python -m bot console` on a free loopback port.

One console process serves the module (on a SQLite file, as ``make run`` does); each test uses
its own agents and tickets in that database, and checks the audit logs directly in it.
"""

from __future__ import annotations

import base64
import re
import stat
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete, select

from bot.console import auth
from bot.console.keys import TOTP_KEY_FILE, totp_box
from bot.console.models import AgentEvent, ConsoleSession
from bot.settings import Settings
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
    fresh_code,
    last_step,
    manual_secret,
    sign_in,
)

LOCKOUT_FAILURES = 3
ADDRESS_FAILURES = 20


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    var_dir = tmp_path_factory.mktemp("console")
    url = f"sqlite:///{var_dir / 'assistant.db'}"
    # The tests stand in for the trusted proxy: X-Forwarded-For gives each "client" an address.
    return console_env(
        var_dir,
        url,
        console_lockout_failures=str(LOCKOUT_FAILURES),
        console_address_failures=str(ADDRESS_FAILURES),
        trusted_proxies="127.0.0.1",
    )


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


def sign_in_steps(console) -> dict[tuple[str, str], float]:
    """The console's /metrics: sign-in steps by (step, outcome), and ("signed in", "") ."""
    families = text_string_to_metric_families(requests.get(console.url("/metrics")).text)
    counts = {}
    for family in families:
        for sample in family.samples:
            if sample.name == "mfa_console_sign_in_steps_total":
                counts[(sample.labels["step"], sample.labels["outcome"])] = sample.value
            elif sample.name == "mfa_console_sign_ins_total":
                counts[("signed in", "")] = sample.value
    return counts


def test_lockout_reads_the_same_for_unknown_names(console, sessions, username) -> None:
    before = sign_in_steps(console)

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
    # What Prometheus sees: the failures, the lock-outs and the sign-in, with no name.
    after = sign_in_steps(console)

    def moved(key: tuple[str, str]) -> float:
        return after.get(key, 0) - before.get(key, 0)

    assert moved(("password", "failed")) == 2 * (LOCKOUT_FAILURES - 1)
    assert moved(("password", "locked")) == 2 * 2 + 1
    assert moved(("password", "ok")) == 1 and moved(("signed in", "")) == 1
    assert username not in requests.get(console.url("/metrics")).text


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
        return re.findall(r">(MFA-\d{6})</button>", answer.text)

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
    page = post(http, console, f"/tickets/{reference.lower()}/open")
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
    assert log[-1][2] == "Identity checked with photo ID: NO."


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


# --- server-side sessions ----------------------------------------------------------------


def cookie_copy(client: requests.Session) -> requests.Session:
    """Another browser holding a copy of ``client``'s console cookie (stolen or left behind)."""
    thief = requests.Session()
    thief.cookies.set("mfa_console", client.cookies["mfa_console"])
    return thief


def signed_in(client: requests.Session, console: RunningConsole) -> bool:
    answer = client.get(console.url("/tickets"))
    return answer.status_code == 200 and urlsplit(answer.url).path == "/tickets"


def test_a_copied_cookie_stops_working_at_sign_out(console, http) -> None:
    thief = cookie_copy(http)
    assert signed_in(thief, console), "the copy works while the agent is signed in"
    post(http, console, "/sign-out")
    assert not signed_in(http, console)
    assert not signed_in(thief, console), "signing out ends the session on the server"


@pytest.mark.parametrize(
    ("step", "stdin"),
    [("set-password", "a brand new long password\n"), ("reset-totp", None), ("disable", None)],
)
def test_admin_steps_end_every_session(console, http, username, step, stdin) -> None:
    thief = cookie_copy(http)
    done = agent_command(console.env, step, username, stdin=stdin)
    assert done.returncode == 0, done.stderr
    assert not signed_in(http, console) and not signed_in(thief, console)


def test_an_unknown_session_is_signed_out(console, sessions, http, username) -> None:
    assert signed_in(http, console)
    with sessions() as session:
        agent_id = auth.find_agent(session, username).id
        session.execute(delete(ConsoleSession).where(ConsoleSession.agent_id == agent_id))
        session.commit()
    assert not signed_in(http, console)


# --- counting tries: in parallel, and per address --------------------------------------------


def wrong_code(secret: str) -> str:
    """A six-digit code that is none of the ones the console accepts right now."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(time.time(), counter_offset=offset) for offset in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def test_parallel_wrong_codes_get_only_the_allowed_tries(console, sessions, username) -> None:
    """An attacker with the password, from many addresses, fires codes all at once: the lock
    must still allow LOCKOUT_FAILURES tries, not as many as pass the lock check together."""
    secret = sign_in(requests.Session(), console, username, None, sessions)
    guessers = 24
    ready = []
    for number in range(guessers):
        client = requests.Session()
        client.headers["X-Forwarded-For"] = f"203.0.113.{number + 1}"
        answer = submit_password(client, console, username, PASSWORD)
        assert answer.url.endswith("/sign-in/code"), answer.text
        ready.append((client, csrf_token(answer.text)))
    code = wrong_code(secret)
    start = threading.Barrier(guessers)

    def guess(entry: tuple[requests.Session, str]) -> int:
        client, token = entry
        start.wait()
        answer = client.post(console.url("/sign-in/code"), data={"csrf_token": token, "code": code})
        return answer.status_code

    with ThreadPoolExecutor(guessers) as pool:
        statuses = sorted(pool.map(guess, ready))
    with sessions() as session:
        log = auth.agent_events(session, username)
    checked = [event for event in log if event.detail == "wrong code"]
    assert len(checked) == LOCKOUT_FAILURES, "every try beyond the limit is refused unchecked"
    assert [event.kind for event in log].count("locked_out") == 1
    assert statuses == [401] * (LOCKOUT_FAILURES - 1) + [429] * (guessers - LOCKOUT_FAILURES + 1)


def test_one_address_cannot_try_usernames_without_end(console, sessions, username) -> None:
    address = "198.51.100.7"
    client = requests.Session()
    client.headers["X-Forwarded-For"] = address
    tag = uuid.uuid4().hex[:6]
    replies = []
    for number in range(ADDRESS_FAILURES + 3):
        answer = submit_password(client, console, f"guess{tag}{number}", "wrong" * 3)
        replies.append((answer.status_code, page_error(answer.text)))
    assert [status for status, _ in replies] == [401] * ADDRESS_FAILURES + [429] * 3
    assert "from your network address" in replies[-1][1]
    # A right password from there waits too; another address is not held back.
    assert submit_password(client, console, username, PASSWORD).status_code == 429
    other = requests.Session()
    other.headers["X-Forwarded-For"] = "198.51.100.8"
    assert submit_password(other, console, username, PASSWORD).url.endswith("/enrol")
    with sessions() as session:
        events = list(
            session.execute(select(AgentEvent).where(AgentEvent.source == address)).scalars()
        )
    # Refused tries cost no password hash and no row: one line says the address was stopped.
    assert [event.kind for event in events] == ["sign_in_failed"] * ADDRESS_FAILURES + [
        "address_limited"
    ]


# --- TOTP secrets: not in the cookie, encrypted in the database ----------------------------


def cookie_payload(value: str) -> str:
    """What anyone can read in Flask's session cookie: it is signed, not encrypted."""
    payload = value.split(".")[1] if value.startswith(".") else value.split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(data) if value.startswith(".") else data).decode("utf-8")


def test_totp_secrets_stay_on_the_server_and_are_encrypted(console, sessions, username) -> None:
    client = requests.Session()
    enrol = submit_password(client, console, username, PASSWORD)
    secret = manual_secret(enrol.text)
    assert "token" in cookie_payload(client.cookies["mfa_console"])
    assert secret not in cookie_payload(client.cookies["mfa_console"])
    code = fresh_code(secret, None)
    done = client.post(
        console.url("/enrol"), data={"csrf_token": csrf_token(enrol.text), "code": code}
    )
    assert done.url.endswith("/tickets")
    with sessions() as session:
        stored = auth.find_agent(session, username).totp_secret
        rows = session.execute(select(ConsoleSession.enrol_secret)).scalars().all()
    assert secret not in stored and not any(secret in (row or "") for row in rows)
    var_dir = Path(console.env["MFA_VAR_DIR"])
    assert totp_box(Settings(var_dir=var_dir, _env_file=None)).open(stored) == secret
    assert stat.S_IMODE((var_dir / TOTP_KEY_FILE).stat().st_mode) == 0o600


# --- GETs change nothing; the security log for admins ---------------------------------------


def test_a_ticket_is_opened_by_post_only(console, sessions, http, username) -> None:
    reference = make_ticket(sessions, name=f"Ingrid {uuid.uuid4().hex[:6]}")
    name = ticket_state(sessions, reference)[0].name
    page = http.get(console.url(f"/tickets/{reference}"))
    assert page.status_code == 200 and f"Open {reference}" in page.text
    assert name not in page.text, "no personal data before the look is recorded"
    assert http.post(console.url(f"/tickets/{reference}/open")).status_code == 400, "no token"
    assert [kind for kind, _, _ in ticket_state(sessions, reference)[1]] == ["created"]

    opened = post(http, console, f"/tickets/{reference}/open")
    assert opened.url.endswith(f"/tickets/{reference}") and name in opened.text
    again = http.get(console.url(f"/tickets/{reference}"))
    assert name in again.text, "opened once in this sign-in: shown"
    log = ticket_state(sessions, reference)[1]
    assert [(kind, who) for kind, who, _ in log] == [
        ("created", "assistant"),
        ("viewed", f"agent:{username}"),
    ]


def log_rows(html: str) -> list[list[str]]:
    """The security log table's cells (time, account, event, address, detail), row by row."""
    body = html.split('<table class="events" id="security-log">', 1)[1].split("</table>")[0]
    rows = re.findall(r"<tr class=\"event-[a-z_]+\">(.*?)</tr>", body, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in row] for row in cells]


def test_security_log_is_for_admins_newest_first(console, sessions, http, username) -> None:
    assert requests.get(console.url("/admin/events")).url.endswith("/sign-in?next=/admin/events")
    assert http.get(console.url("/admin/events")).status_code == 403
    assert agent_command(console.env, "grant-admin", username).returncode == 0

    typed_password = f"not-the-password-{uuid.uuid4().hex}"
    attacker = requests.Session()
    attacker.headers["X-Forwarded-For"] = "192.0.2.44"
    assert submit_password(attacker, console, username, typed_password).status_code == 401
    at_code = submit_password(attacker, console, username, PASSWORD)
    typed_code = wrong_code(http.secret)
    attacker.post(
        console.url("/sign-in/code"),
        data={"csrf_token": csrf_token(at_code.text), "code": typed_code},
    )
    page = http.get(console.url("/admin/events"))
    assert page.status_code == 200
    rows = log_rows(page.text)
    assert [row[1:4] for row in rows[:2]] == [
        [username, "sign_in_failed", "192.0.2.44"],
        [username, "sign_in_failed", "192.0.2.44"],
    ]
    assert rows[0][4] == "wrong code" and rows[1][4] == "wrong password"
    assert typed_password not in page.text and typed_code not in page.text

    assert agent_command(console.env, "revoke-admin", username).returncode == 0
    assert http.get(console.url("/admin/events")).status_code == 403


def test_security_log_pages_back(console, sessions, http, username) -> None:
    assert agent_command(console.env, "grant-admin", username).returncode == 0
    tag = f"page{uuid.uuid4().hex[:6]}"
    now = datetime.now(timezone.utc)
    with sessions() as session:
        for number in range(60):
            session.add(
                AgentEvent(username=tag, at=now, kind="sign_in_failed", detail=f"n{number}")
            )
        session.commit()
    first = http.get(console.url("/admin/events"))
    rows = log_rows(first.text)
    assert len(rows) == 50
    assert [row[4] for row in rows[:50]] == [f"n{number}" for number in range(59, 9, -1)]
    older = re.search(r'href="([^"]+)" rel="next">Older', first.text).group(1)
    second = http.get(console.url(older.replace("&amp;", "&")))
    assert [row[4] for row in log_rows(second.text)[:10]] == [
        f"n{number}" for number in range(9, -1, -1)
    ]
    assert http.get(console.url("/admin/events?before=x")).status_code == 400
