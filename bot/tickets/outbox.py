"""Delivering queued ticket notifications, retrying until the servicedesk has them.

``create_ticket`` writes one outbox row per channel with the ticket; this worker sends them.
A message is taken with a conditional UPDATE (a lease) before it is sent, so two workers never
send the same message at once, and it is sent with no transaction open: a slow SMTP server
must not hold locks the action server and the console need. Delivery is at least once: if the
process dies after the servicedesk got a message but before it is marked sent, it goes out
again when the lease runs out (mails carry a stable Message-ID for that case). Once marked
sent, a message is never sent again; after ``max_attempts`` failures it is marked failed and
kept, so agents see it in the console.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import ThreadingHTTPServer
from types import FrameType
from typing import Any

from prometheus_client import REGISTRY
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import db, service_http
from bot.metrics import outbox as outbox_metrics
from bot.metrics.outbox import Backlog
from bot.readiness import database_check
from bot.settings import get_settings
from bot.tickets.models import OutboxMessage, Ticket, TicketEvent
from bot.tickets.notifiers import DeliveryError, Notifier, notifiers_from_settings

log = logging.getLogger(__name__)

ACTOR = "outbox"
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
# Longer than any notifier's timeout: a message is only taken again if its worker died.
LEASE = timedelta(minutes=5)
_ERROR_CHARS = 1000
BATCH = 50

SessionFactory = Callable[[], Session]


@dataclass(frozen=True)
class DeliveryReport:
    """One round's counts: delivered, failed attempts, due but with no notifier configured."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0


def backoff(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts: 30 s, 1 min, 2 min, ... at most 1 hour.

    Short at first (a relay restarting), then patient (an outage) without hammering the server.
    """
    doublings = min(max(attempts, 1) - 1, 16)  # 30 s * 2**7 > 1 h already; no huge numbers
    return min(FIRST_RETRY * 2**doublings, MAX_RETRY)


def _due(session: Session, channels: list[str], now: datetime, limit: int) -> list[int]:
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.channel.in_(channels),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def _count_unconfigured(session: Session, channels: list[str], now: datetime) -> int:
    query = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.status == "pending",
        OutboxMessage.next_attempt_at <= now,
        OutboxMessage.channel.not_in(channels),
    )
    return session.execute(query).scalar_one()


def backlog(session: Session) -> Backlog:
    """What still waits, per channel, and since when: read for the metrics at each scrape.

    Only pending and failed rows are read (the index on status keeps it to those); sent ones,
    the vast majority, are never touched.
    """
    rows = session.execute(
        select(
            OutboxMessage.channel,
            OutboxMessage.status,
            func.count(OutboxMessage.id),
            func.min(OutboxMessage.created_at),
        )
        .where(OutboxMessage.status.in_(("pending", "failed")))
        .group_by(OutboxMessage.channel, OutboxMessage.status)
    ).all()
    waiting = {channel: n for channel, status, n, _ in rows if status == "pending"}
    oldest = [first for _, status, _, first in rows if status == "pending" and first is not None]
    return Backlog(
        waiting=waiting,
        given_up={channel: n for channel, status, n, _ in rows if status == "failed"},
        oldest_waiting=min(oldest, default=None),
    )


def _take(
    session_factory: SessionFactory, message_id: int, now: datetime
) -> tuple[Ticket, str, int] | None:
    """Lease the message and load its ticket; None if another worker took or sent it first."""
    with session_factory() as session:
        taken = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
            )
            .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            session.rollback()
            return None
        ticket_id, channel, attempts = session.execute(
            select(OutboxMessage.ticket_id, OutboxMessage.channel, OutboxMessage.attempts).where(
                OutboxMessage.id == message_id
            )
        ).one()
        ticket = session.get(Ticket, ticket_id)
        # Detached with its columns loaded: the notifier reads them with no transaction open.
        session.expunge(ticket)
        session.commit()
        return ticket, channel, attempts


def _mark_sent(session_factory: SessionFactory, message_id: int, now: datetime) -> None:
    with session_factory() as session:
        message = session.get(OutboxMessage, message_id)
        message.status = "sent"
        message.sent_at = now
        message.last_error = None
        detail = f"Sent by {message.channel} (attempt {message.attempts})."
        session.add(
            TicketEvent(
                ticket_id=message.ticket_id, at=now, actor=ACTOR, kind="delivered", detail=detail
            )
        )
        session.commit()


def _mark_failed(
    session_factory: SessionFactory,
    message_id: int,
    error: str,
    now: datetime,
    max_attempts: int,
) -> bool:
    """Record the failed attempt; True when it was the last one (the message is now failed)."""
    with session_factory() as session:
        message = session.get(OutboxMessage, message_id)
        message.last_error = error[:_ERROR_CHARS]
        gave_up = message.attempts >= max_attempts
        attempt = f"{message.channel} attempt {message.attempts} of {max_attempts} failed: {error}"
        if gave_up:
            message.status = "failed"
            detail = f"{attempt}\nGave up: the servicedesk must be told another way."
        else:
            message.next_attempt_at = now + backoff(message.attempts)
            detail = f"{attempt}\nNext attempt at {message.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC."
        session.add(
            TicketEvent(
                ticket_id=message.ticket_id,
                at=now,
                actor=ACTOR,
                kind="delivery_failed",
                detail=detail[: _ERROR_CHARS * 2],
            )
        )
        session.commit()
        return gave_up


def deliver_due(
    session_factory: SessionFactory,
    notifiers: Mapping[str, Notifier],
    now: datetime,
    max_attempts: int,
    limit: int = BATCH,
) -> DeliveryReport:
    """Send up to ``limit`` due messages once each and record every outcome.

    A message whose channel has no notifier (delivery configured on the action server but not
    here) is left pending and counted as waiting: it goes out once the channel is configured.
    """
    channels = list(notifiers)
    with session_factory() as session:
        due = _due(session, channels, now, limit) if channels else []
        waiting = _count_unconfigured(session, channels, now)
    sent = failed = 0
    for message_id in due:
        taken = _take(session_factory, message_id, now)
        if taken is None:
            continue
        ticket, channel, attempts = taken
        try:
            notifiers[channel].send(ticket)
        except DeliveryError as error:
            log.warning("%s by %s, attempt %d: %s", ticket.reference, channel, attempts, error)
            reason = str(error)
        except Exception as error:  # a bug in a notifier must not stop the others
            log.exception(
                "%s by %s, attempt %d: unexpected error", ticket.reference, channel, attempts
            )
            reason = f"{type(error).__name__}: {error}"
        else:
            _mark_sent(session_factory, message_id, now)
            log.info("%s sent by %s", ticket.reference, channel)
            outbox_metrics.SENT.labels(outbox_metrics.channel_label(channel)).inc()
            sent += 1
            continue
        outbox_metrics.FAILED_ATTEMPTS.labels(outbox_metrics.channel_label(channel)).inc()
        failed += 1
        if _mark_failed(session_factory, message_id, reason, now, max_attempts):
            log.error("%s by %s: gave up after %d attempts", ticket.reference, channel, attempts)
    return DeliveryReport(sent=sent, failed=failed, waiting=waiting)


def serve_probes(host: str, port: int, database_url: str) -> ThreadingHTTPServer:
    """The worker's /health, /ready (its database answers) and /metrics (the counters above,
    and the backlog read from the database at each scrape), on a port of its own."""
    REGISTRY.register(
        outbox_metrics.BacklogCollector(
            read=lambda: _read_backlog(db.session),
            now=lambda: datetime.now(timezone.utc),
        )
    )
    return service_http.serve(host, port, {"database": database_check(database_url)})


def _read_backlog(session_factory: SessionFactory) -> Backlog:
    with session_factory() as session:
        return backlog(session)


def _stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """SIGINT/SIGTERM end the loop between rounds; returns what puts the old handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may set handlers; the caller owns ``stop``

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("Outbox worker stopping (%s)", signal.Signals(signum).name)
        stop.set()

    previous: dict[int, Any] = {
        signum: signal.signal(signum, handler) for signum in (signal.SIGINT, signal.SIGTERM)
    }

    def restore() -> None:
        for signum, old in previous.items():
            signal.signal(signum, old)

    return restore


def run_forever(
    interval_seconds: float,
    stop: threading.Event | None = None,
    session_factory: SessionFactory | None = None,
    notifiers: Mapping[str, Notifier] | None = None,
    max_attempts: int | None = None,
) -> None:
    """Deliver every ``interval_seconds`` until SIGINT/SIGTERM (or ``stop`` is set).

    Settings give the notifiers and the process database by default; the keyword arguments
    exist for tests. A round that fails (the database is down) is logged and tried again:
    the messages wait in the outbox meanwhile.
    """
    settings = get_settings()
    notifiers = notifiers_from_settings(settings) if notifiers is None else notifiers
    session_factory = session_factory or db.session
    max_attempts = max_attempts or settings.outbox_max_attempts
    stop = stop or threading.Event()
    if notifiers:
        described = ", ".join(repr(notifier) for notifier in notifiers.values())
        log.info("Outbox worker: %s; every %.1f s", described, interval_seconds)
    else:
        log.warning("Outbox worker: no channel configured; tickets reach the console only")

    restore = _stop_on_signals(stop)
    last_waiting = 0
    try:
        while not stop.is_set():
            try:
                now = datetime.now(timezone.utc)
                report = deliver_due(session_factory, notifiers, now, max_attempts, BATCH)
            except Exception:
                log.exception("Outbox round failed; trying again in %.1f s", interval_seconds)
                stop.wait(interval_seconds)
                continue
            if report.sent or report.failed:
                log.info("Outbox: %d sent, %d failed", report.sent, report.failed)
            if report.waiting != last_waiting:
                log.warning("Outbox: %d due for channels not configured here", report.waiting)
                last_waiting = report.waiting
            if report.sent + report.failed < BATCH:  # a full batch: more may be due at once
                stop.wait(interval_seconds)
    finally:
        restore()
    log.info("Outbox worker stopped")
