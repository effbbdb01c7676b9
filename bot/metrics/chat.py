"""Metrics of the Rasa servers: what the servicedesk watches the morning the MFA reminder
goes out (is it answering, how fast, how often does it hand over).

Each replica serves its own at /metrics (bot/rasa_ext/service_routes.py); Prometheus scrapes
every replica and adds them up.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from prometheus_client import Counter, Gauge, Histogram

from bot.metrics import OTHER

# The chat routes of the channels (bot/channels/, credentials.yml); any other path is "other".
CHANNELS = frozenset({"rest", "telegram"})
# Round trips of a chat message: most answer in tens of milliseconds, a ticket may take seconds.
LATENCY_BUCKETS_S = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# A refusal's reason, from its status: each is a different thing to do for whoever watches.
REFUSAL_REASONS = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "wrong_method",
    413: "too_large",
    429: "rate_limited",
}

CHAT_REQUESTS = Counter(
    "mfa_chat_requests",
    "Chat messages received over HTTP, by channel and HTTP status of the answer.",
    ["channel", "status"],
)
CHAT_SECONDS = Histogram(
    "mfa_chat_request_seconds",
    "Round trip of one chat message in the Rasa server, from request to answer.",
    ["channel"],
    buckets=LATENCY_BUCKETS_S,
)
REFUSED = Counter(
    "mfa_chat_refused",
    "Chat requests refused with a 4xx, by channel and reason.",
    ["channel", "reason"],
)
RATE_LIMITED = Counter(
    "mfa_rate_limited",
    "Chat messages turned away by a rate limit, by the limit: per address or per sender.",
    ["limit"],
)
INTENTS = Counter(
    "mfa_intents",
    "Messages understood, by intent (nlu_fallback: not understood well enough to answer).",
    ["intent"],
)
FALLBACKS = Counter(
    "mfa_fallbacks",
    "Replies that did not answer: 'suggest' offers the likeliest topics as buttons, "
    "'servicedesk' (a second miss) the servicedesk.",
    ["stage"],
)
HANDOFFS_OFFERED = Counter(
    "mfa_handoffs_offered", "Times the assistant offered a ticket for the servicedesk."
)
TICKETS = Counter(
    "mfa_tickets",
    "Ticket submissions by outcome: created, already_sent (a repeated 'yes'), failed "
    "(the database was away), no_draft.",
    ["outcome"],
)
READY = Gauge(
    "mfa_ready",
    "1 when the last readiness check found the model loaded and every store answering, else 0 "
    "(checked on each GET /ready: the production profile asks every second).",
)
FALLBACK_STAGES = frozenset({"suggest", "servicedesk"})
TICKET_OUTCOMES = frozenset({"created", "already_sent", "failed", "no_draft"})


def channel_of(path: str) -> str | None:
    """The channel whose chat route `path` is (/webhooks/<channel>/webhook), else None."""
    parts = path.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "webhooks" and parts[2] == "webhook":
        return parts[1] if parts[1] in CHANNELS else OTHER
    return None


def observe_chat(channel: str, status: int, seconds: float) -> None:
    """One chat request answered (or refused)."""
    CHAT_REQUESTS.labels(channel, str(status)).inc()
    CHAT_SECONDS.labels(channel).observe(seconds)
    if 400 <= status < 500:
        REFUSED.labels(channel, REFUSAL_REASONS.get(status, OTHER)).inc()


def observe_events(events: Iterable[Mapping[str, Any]], intents: Collection[str]) -> None:
    """Count what one turn's new events say happened: the intent, a fallback, a handoff, a ticket.

    Read from the events the tracker store saves, so every channel and every profile counts
    the same way; `intents` are the domain's, the only names that become a label.
    """
    for event in events:
        kind = event.get("event")
        if kind == "user":
            name = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if name:
                INTENTS.labels(name if name in intents else OTHER).inc()
        elif kind == "action" and event.get("name") == "action_offer_handoff":
            HANDOFFS_OFFERED.inc()
        elif kind == "slot":
            name, value = event.get("name"), event.get("value")
            if name == "fallback_stage" and value in FALLBACK_STAGES:
                FALLBACKS.labels(value).inc()
            elif name == "ticket_outcome" and value in TICKET_OUTCOMES:
                TICKETS.labels(value).inc()
