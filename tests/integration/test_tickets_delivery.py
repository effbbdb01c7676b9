"""Delivery through a REAL SMTP server (aiosmtpd) and a REAL HTTP server, on loopback.

What is tested is the promise to the servicedesk: every ticket arrives, exactly once when
nothing crashes, however long SMTP or the webhook is down meanwhile.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import db
from bot.settings import PROJECT_ROOT
from bot.tickets import store
from bot.tickets.models import OutboxMessage, Ticket
from bot.tickets.notifiers import (
    PHOTO_ID_LINE,
    DeliveryError,
    EmailNotifier,
    Notifier,
    WebhookNotifier,
)
from bot.tickets.outbox import LEASE, _take, backoff, deliver_due, run_forever
from bot.tickets.store import TicketDraft
from tests.integration.assistant import free_port
from tests.integration.smtp import Mailbox, only_login, start_smtp_server

# The database fixtures (database_url, engine, postgres_url), shared with the other stores.
pytest_plugins = ["tests.integration.databases"]

T0 = datetime(2026, 3, 2, 9, 15, 0, tzinfo=timezone.utc)
SENDER = "mfa-assistant@ruc.dk"
SERVICEDESK = "servicedesk@ruc.dk"
SECRET = "webhook-s3cret"
PASSWORD = "smtp-hunter2"
DRAFT = TicketDraft(
    conversation_id="telegram:424242",
    channel="telegram",
    name="Søren Ørsted",
    username="soor@ruc.dk",
    phone="+45 11 22 33 44",
    summary="New phone; the old one with Authenticator is gone.",
    contact_preference="visit",
    transcript=[{"who": "user", "text": "I got a new phone"}],
)


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy from the environment would take the loopback requests elsewhere."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


# --- a real SMTP server ---------------------------------------------------------------------


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def start_smtp(smtp_port: int) -> Iterator[Callable[..., Mailbox]]:
    """Starts the SMTP server on ``smtp_port`` when the test says so; stops it afterwards."""
    controllers: list[Controller] = []

    def start(**options) -> Mailbox:
        mailbox, controller = start_smtp_server(smtp_port, **options)
        controllers.append(controller)
        return mailbox

    yield start
    for controller in controllers:
        controller.stop()


def email_notifier(port: int, **options) -> EmailNotifier:
    return EmailNotifier("127.0.0.1", port, SENDER, SERVICEDESK, timeout=5, **options)


# --- a real HTTP server for the webhook ----------------------------------------------------


@dataclass
class Hook:
    """What the webhook server received, and the statuses it answers with (then 200)."""

    url: str
    # Headers as http.server parsed them: looked up case-insensitively, as HTTP means them.
    requests: list[tuple[str, str, Message, bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook(url="")

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.requests.append((self.command, self.path, self.headers, body))

        def do_POST(self) -> None:
            self._record()
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # only a followed redirect would GET
            self._record()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/mfa-tickets"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, future=True)


def create(
    sessions: sessionmaker, channels: list[str], key: str = "k1", now: datetime = T0, **changes
) -> str:
    with sessions() as session:
        ticket, _ = store.create_ticket(session, replace(DRAFT, **changes), key, now, channels)
        return ticket.reference


def outbox(sessions: sessionmaker, channel: str = "email") -> OutboxMessage:
    with sessions() as session:
        message = session.execute(
            select(OutboxMessage).where(OutboxMessage.channel == channel)
        ).scalar_one()
        session.expunge(message)
        return message


def event_kinds(sessions: sessionmaker, reference: str) -> list[str]:
    with sessions() as session:
        return [e.kind for e in store.events(session, store.get_by_reference(session, reference))]


def deliver(sessions: sessionmaker, notifiers: dict[str, Notifier], now: datetime, **kw):
    report = deliver_due(sessions, notifiers, now, kw.pop("max_attempts", 12), **kw)
    return (report.sent, report.failed, report.waiting)


# --- e-mail ---------------------------------------------------------------------------------


def test_a_ticket_is_mailed_exactly_once(sessions, start_smtp, smtp_port) -> None:
    mailbox = start_smtp()
    reference = create(sessions, ["email"])
    notifiers = {"email": email_notifier(smtp_port)}

    assert deliver(sessions, notifiers, T0) == (1, 0, 0)
    assert len(mailbox.messages) == 1
    mail = mailbox.messages[0]
    assert mailbox.recipients == [[SERVICEDESK]]
    assert mail["From"] == SENDER
    assert mail["Subject"] == f"[{reference}] MFA help needed: Søren Ørsted"
    body = mail.get_content()
    for expected in (reference, "Søren Ørsted", DRAFT.summary, PHOTO_ID_LINE, "will come by"):
        assert expected in body, expected
    assert "2026-03-02 10:15" in body, "created time in Copenhagen"

    message = outbox(sessions)
    assert (message.status, message.attempts, message.sent_at) == ("sent", 1, T0)
    assert event_kinds(sessions, reference) == ["created", "delivered"]

    for later in (T0, T0 + timedelta(hours=2), T0 + timedelta(days=3)):
        assert deliver(sessions, notifiers, later) == (0, 0, 0)
    assert len(mailbox.messages) == 1, "sent once, never again"


def test_smtp_down_then_up(sessions, start_smtp, smtp_port) -> None:
    reference = create(sessions, ["email"])
    notifiers = {"email": email_notifier(smtp_port)}

    assert deliver(sessions, notifiers, T0) == (0, 1, 0), "nothing listens on the port yet"
    message = outbox(sessions)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.next_attempt_at == T0 + backoff(1) > T0
    assert message.last_error and "127.0.0.1" in message.last_error
    assert event_kinds(sessions, reference) == ["created", "delivery_failed"]

    mailbox = start_smtp()
    assert deliver(sessions, notifiers, T0 + timedelta(seconds=10)) == (0, 0, 0), "not due yet"
    assert mailbox.messages == []

    after_backoff = T0 + backoff(1) + timedelta(seconds=1)
    assert deliver(sessions, notifiers, after_backoff) == (1, 0, 0)
    assert len(mailbox.messages) == 1
    assert reference in mailbox.messages[0]["Subject"]
    message = outbox(sessions)
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)
    assert message.sent_at == after_backoff

    assert deliver(sessions, notifiers, after_backoff + timedelta(hours=1)) == (0, 0, 0)
    assert len(mailbox.messages) == 1, "no duplicates"
    assert event_kinds(sessions, reference) == ["created", "delivery_failed", "delivered"]


def test_gives_up_after_max_attempts_but_keeps_the_message(sessions, start_smtp, smtp_port) -> None:
    reference = create(sessions, ["email"])
    notifiers = {"email": email_notifier(smtp_port)}
    now = T0
    for attempt in (1, 2, 3):
        assert deliver(sessions, notifiers, now, max_attempts=3) == (0, 1, 0)
        now = outbox(sessions).next_attempt_at
        assert outbox(sessions).attempts == attempt
    message = outbox(sessions)
    assert message.status == "failed"
    assert message.last_error

    mailbox = start_smtp()
    assert deliver(sessions, notifiers, now + timedelta(days=1), max_attempts=3) == (0, 0, 0)
    assert mailbox.messages == [], "a failed message waits for a person, not for the worker"
    assert outbox(sessions).status == "failed"
    assert event_kinds(sessions, reference).count("delivery_failed") == 3


def test_login_and_no_password_anywhere(sessions, start_smtp, smtp_port, caplog) -> None:
    mailbox = start_smtp(authenticator=only_login("mfa-bot", PASSWORD), auth_require_tls=False)
    reference = create(sessions, ["email"])
    wrong = {"email": email_notifier(smtp_port, username="mfa-bot", password="wrong-pw")}
    right = {"email": email_notifier(smtp_port, username="mfa-bot", password=PASSWORD)}

    assert deliver(sessions, wrong, T0) == (0, 1, 0)
    assert "wrong-pw" not in outbox(sessions).last_error
    assert deliver(sessions, right, T0 + timedelta(minutes=1)) == (1, 0, 0)
    assert len(mailbox.messages) == 1

    with sessions() as session:
        details = [
            e.detail for e in store.events(session, store.get_by_reference(session, reference))
        ]
    for text in [caplog.text, *details, repr(right["email"])]:
        assert PASSWORD not in text
        assert "wrong-pw" not in text


def test_concurrent_workers_send_each_mail_once(sessions, start_smtp, smtp_port) -> None:
    mailbox = start_smtp()
    references = {create(sessions, ["email"], key=f"k{i}") for i in range(8)}
    notifiers = {"email": email_notifier(smtp_port)}
    reports = []

    def worker() -> None:
        reports.append(deliver(sessions, notifiers, T0))

    workers = [threading.Thread(target=worker) for _ in range(3)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(60)
    assert sum(sent for sent, _, _ in reports) == 8
    subjects = sorted(mail["Subject"].split("]")[0][1:] for mail in mailbox.messages)
    assert subjects == sorted(references)


def test_a_worker_that_died_mid_send_is_covered_by_the_lease(
    sessions, start_smtp, smtp_port
) -> None:
    mailbox = start_smtp()
    create(sessions, ["email"])
    notifiers = {"email": email_notifier(smtp_port)}
    assert _take(sessions, outbox(sessions).id, T0) is not None  # taken, then the worker died

    assert deliver(sessions, notifiers, T0 + LEASE - timedelta(seconds=1)) == (0, 0, 0)
    assert deliver(sessions, notifiers, T0 + LEASE) == (1, 0, 0)
    assert len(mailbox.messages) == 1
    assert outbox(sessions).attempts == 2


def test_unconfigured_channels_wait(sessions, start_smtp, smtp_port) -> None:
    mailbox = start_smtp()
    create(sessions, ["email", "webhook"])
    assert deliver(sessions, {}, T0) == (0, 0, 2)
    assert deliver(sessions, {"email": email_notifier(smtp_port)}, T0) == (1, 0, 1)
    assert outbox(sessions, "webhook").status == "pending"
    assert outbox(sessions, "webhook").attempts == 0
    assert len(mailbox.messages) == 1


def test_a_broken_notifier_does_not_stop_the_others(sessions, hook: Hook) -> None:
    class Broken:
        def send(self, ticket: Ticket) -> None:
            raise RuntimeError("bug in a notifier")

    create(sessions, ["email", "webhook"])
    notifiers = {"email": Broken(), "webhook": WebhookNotifier(hook.url, timeout=5)}
    assert deliver(sessions, notifiers, T0) == (1, 1, 0)
    assert "RuntimeError: bug in a notifier" in outbox(sessions, "email").last_error
    assert outbox(sessions, "webhook").status == "sent"


# --- webhook --------------------------------------------------------------------------------


def test_webhook_receives_json_with_the_secret(sessions, hook: Hook) -> None:
    reference = create(sessions, ["webhook"], urgent=True)
    notifiers = {"webhook": WebhookNotifier(hook.url, secret=SECRET, timeout=5)}
    assert deliver(sessions, notifiers, T0) == (1, 0, 0)

    [(method, path, headers, body)] = hook.requests
    assert (method, path) == ("POST", "/mfa-tickets")
    assert headers["X-MFA-Webhook-Secret"] == SECRET
    assert headers["Content-Type"].startswith("application/json")
    payload = json.loads(body)
    assert payload == {
        "reference": reference,
        "name": "Søren Ørsted",
        "username": "soor@ruc.dk",
        "phone": "+45 11 22 33 44",
        "contact_preference": "visit",
        "urgent": True,
        "summary": DRAFT.summary,
        "created_at": "2026-03-02T09:15:00+00:00",
        "channel": "telegram",
    }
    assert deliver(sessions, notifiers, T0 + timedelta(hours=1)) == (0, 0, 0)
    assert len(hook.requests) == 1


def test_webhook_without_a_secret_sends_no_secret_header(sessions, hook: Hook) -> None:
    create(sessions, ["webhook"])
    assert deliver(sessions, {"webhook": WebhookNotifier(hook.url, timeout=5)}, T0) == (1, 0, 0)
    assert "X-MFA-Webhook-Secret" not in hook.requests[0][2]


def test_webhook_500_then_200(sessions, hook: Hook) -> None:
    reference = create(sessions, ["webhook"])
    notifiers = {"webhook": WebhookNotifier(hook.url, secret=SECRET, timeout=5)}
    hook.statuses = [500]

    assert deliver(sessions, notifiers, T0) == (0, 1, 0)
    message = outbox(sessions, "webhook")
    assert (message.status, message.next_attempt_at) == ("pending", T0 + backoff(1))
    assert "500" in message.last_error
    assert SECRET not in message.last_error

    assert deliver(sessions, notifiers, T0 + timedelta(seconds=5)) == (0, 0, 0), "not due"
    assert deliver(sessions, notifiers, T0 + backoff(1)) == (1, 0, 0)
    assert deliver(sessions, notifiers, T0 + timedelta(hours=5)) == (0, 0, 0)
    assert len(hook.requests) == 2
    assert outbox(sessions, "webhook").status == "sent"
    assert event_kinds(sessions, reference) == ["created", "delivery_failed", "delivered"]


@pytest.mark.parametrize(
    ("status", "sent"),
    [
        *[(status, True) for status in (200, 201, 204, 299)],
        *[(status, False) for status in (300, 302, 303, 304, 307, 400, 404, 500, 503)],
    ],
)
def test_only_2xx_is_success(hook: Hook, status: int, sent: bool) -> None:
    ticket = Ticket(
        id=1,
        idempotency_key="x",
        channel="web",
        name="A",
        username="a",
        phone=None,
        summary="s",
        contact_preference="call",
        urgent=False,
        created_at=T0,
    )
    hook.statuses = [status]
    notifier = WebhookNotifier(hook.url, timeout=5)
    if sent:
        notifier.send(ticket)
    else:
        with pytest.raises(DeliveryError, match=str(status)):
            notifier.send(ticket)
    assert [method for method, *_ in hook.requests] == ["POST"], "a redirect is never followed"


def test_webhook_unreachable_is_a_delivery_error(sessions) -> None:
    create(sessions, ["webhook"])
    notifiers = {"webhook": WebhookNotifier(f"http://127.0.0.1:{free_port()}/x", timeout=5)}
    assert deliver(sessions, notifiers, T0) == (0, 1, 0)
    assert "unreachable" in outbox(sessions, "webhook").last_error


# --- the worker -----------------------------------------------------------------------------


def test_run_forever_delivers_until_stopped(sessions, start_smtp, smtp_port) -> None:
    mailbox = start_smtp()
    create(sessions, ["email"], now=datetime.now(timezone.utc))
    stop = threading.Event()
    worker = threading.Thread(
        target=run_forever,
        args=(0.05,),
        kwargs={
            "stop": stop,
            "session_factory": sessions,
            "notifiers": {"email": email_notifier(smtp_port)},
            "max_attempts": 3,
        },
    )
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while not mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # a few more rounds: still one mail
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    assert len(mailbox.messages) == 1


def ticket_in_new_database(tmp_path: Path) -> tuple[str, str]:
    """A migrated SQLite database holding one ticket queued for e-mail: its URL and reference."""
    url = f"sqlite:///{tmp_path / 'assistant.db'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with Session(engine, future=True) as session:
            ticket, _ = store.create_ticket(
                session, DRAFT, "k1", datetime.now(timezone.utc), ["email"]
            )
            return url, ticket.reference
    finally:
        engine.dispose()


def outbox_command(tmp_path: Path, url: str, smtp_port: int, probes_port: int) -> subprocess.Popen:
    """``python -m bot outbox`` as an admin runs it: settings from MFA_* only."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("MFA_")
    } | {
        "MFA_DATABASE_URL": url,
        "MFA_SMTP_HOST": "127.0.0.1",
        "MFA_SMTP_PORT": str(smtp_port),
        "MFA_SMTP_USERNAME": "mfa-bot",
        "MFA_SMTP_PASSWORD": PASSWORD,
        "MFA_SERVICEDESK_EMAIL": SERVICEDESK,
        "MFA_OUTBOX_INTERVAL_SECONDS": "0.2",
        "MFA_OUTBOX_PORT": str(probes_port),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "outbox"],
        cwd=tmp_path,  # no .env of the developer's
        env=environment | {"PYTHONPATH": str(PROJECT_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def worker_metrics(port: int) -> dict[tuple[str, frozenset], float]:
    """The worker's /metrics, each sample by name and labels (once its port answers)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
                body = reply.read().decode()
            break
        except OSError:
            assert time.monotonic() < deadline, "the worker's /metrics does not answer"
            time.sleep(0.1)
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def stop_worker(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return output


def test_outbox_command_delivers_and_stops_on_sigterm(tmp_path: Path, start_smtp, smtp_port):
    """``python -m bot outbox`` as an admin runs it: settings from MFA_*, SIGTERM to stop."""
    url, reference = ticket_in_new_database(tmp_path)
    mailbox = start_smtp(authenticator=only_login("mfa-bot", PASSWORD), auth_require_tls=False)
    probes = free_port()
    process = outbox_command(tmp_path, url, smtp_port, probes)
    try:
        deadline = time.monotonic() + 30
        while not mailbox.messages and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert len(mailbox.messages) == 1
        assert reference in mailbox.messages[0]["Subject"]
        # The mail server has the message before the worker records it as sent: wait for that.
        sent = ("mfa_outbox_sent_total", frozenset({("channel", "email")}))
        metrics = worker_metrics(probes)
        while metrics.get(sent, 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
            metrics = worker_metrics(probes)
        with urllib.request.urlopen(f"http://127.0.0.1:{probes}/ready", timeout=5) as reply:
            assert json.loads(reply.read()) == {"ready": True, "checks": {"database": "ok"}}
    finally:
        output = stop_worker(process)
    assert process.returncode == 0, output
    assert "1 sent" in output
    assert "stopped" in output
    assert PASSWORD not in output
    assert metrics[sent] == 1
    assert metrics[("mfa_outbox_waiting", frozenset({("channel", "email")}))] == 0
    assert metrics[("mfa_outbox_oldest_waiting_seconds", frozenset())] == 0
    assert metrics[("mfa_outbox_database_up", frozenset())] == 1


def test_with_the_mail_server_away_the_oldest_waiting_message_ages(tmp_path: Path):
    """What the "outbox stuck" alert watches (deploy/prometheus/alerts.yml)."""
    url, _ = ticket_in_new_database(tmp_path)
    probes = free_port()
    process = outbox_command(tmp_path, url, free_port(), probes)  # nothing listens there
    email = frozenset({("channel", "email")})
    try:
        deadline = time.monotonic() + 30
        first = worker_metrics(probes)
        while first.get(("mfa_outbox_failed_attempts_total", email), 0) < 1:
            assert time.monotonic() < deadline, first
            time.sleep(0.2)
            first = worker_metrics(probes)
        time.sleep(1.5)
        later = worker_metrics(probes)
    finally:
        stop_worker(process)
    assert first[("mfa_outbox_waiting", email)] == later[("mfa_outbox_waiting", email)] == 1
    age = ("mfa_outbox_oldest_waiting_seconds", frozenset())
    assert later[age] >= first[age] + 1.0 > 1.0
    assert later.get(("mfa_outbox_sent_total", email), 0) == 0
