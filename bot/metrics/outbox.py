"""Metrics of the outbox worker: notifications sent and failed, and what is still waiting.

The counters count this worker's deliveries. What waits is read from the database when
Prometheus scrapes (a collector, not a counter), so it is right whichever worker queued or
sent what, and survives restarts: messages waiting and given up per channel, and the age of
the oldest waiting one, which grows while the servicedesk's mail server is away
(deploy/prometheus/alerts.yml: "outbox stuck").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.metrics import OTHER

log = logging.getLogger(__name__)

CHANNELS = frozenset({"email", "webhook"})

SENT = Counter("mfa_outbox_sent", "Ticket notifications delivered, by channel.", ["channel"])
FAILED_ATTEMPTS = Counter(
    "mfa_outbox_failed_attempts",
    "Delivery attempts that failed (retried later, or given up after the last), by channel.",
    ["channel"],
)


def channel_label(channel: str) -> str:
    return channel if channel in CHANNELS else OTHER


@dataclass(frozen=True)
class Backlog:
    """Per channel: messages waiting, messages given up, the oldest waiting one's creation."""

    waiting: dict[str, int]
    given_up: dict[str, int]
    oldest_waiting: datetime | None


class BacklogCollector(Collector):
    """Reads the backlog at each scrape; a database that does not answer shows as 0 in
    mfa_outbox_database_up instead of failing the whole scrape."""

    def __init__(self, read: Callable[[], Backlog], now: Callable[[], datetime]) -> None:
        self.read = read
        self.now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "mfa_outbox_database_up", "1 when the last scrape could read the outbox table."
        )
        try:
            backlog = self.read()
        except Exception:
            log.warning("Could not read the outbox for the metrics", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        waiting = GaugeMetricFamily(
            "mfa_outbox_waiting", "Notifications not yet delivered, by channel.", labels=["channel"]
        )
        given_up = GaugeMetricFamily(
            "mfa_outbox_given_up",
            "Notifications given up after the last attempt (agents see them in the console).",
            labels=["channel"],
        )
        for family, counts in ((waiting, backlog.waiting), (given_up, backlog.given_up)):
            for channel in sorted(CHANNELS | set(map(channel_label, counts))):
                family.add_metric(
                    [channel], sum(n for c, n in counts.items() if channel_label(c) == channel)
                )
        yield waiting
        yield given_up
        age = 0.0
        if backlog.oldest_waiting is not None:
            age = max(0.0, (self.now() - backlog.oldest_waiting).total_seconds())
        yield GaugeMetricFamily(
            "mfa_outbox_oldest_waiting_seconds",
            "Age of the oldest notification not yet delivered; 0 when none waits.",
            value=age,
        )
