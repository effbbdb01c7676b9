"""Prometheus metrics, one module per process: each process imports only its own, so its
/metrics shows what it counts and nothing else.

- bot/metrics/chat.py: the Rasa servers (messages, latency, intents, handoffs, tickets);
- bot/metrics/actions.py: the action server (actions by name, latency, failures);
- bot/metrics/console.py: the servicedesk console (sign-ins, failures, lock-outs);
- bot/metrics/outbox.py: the outbox worker (sent, failed, waiting, the oldest one's age).

Labels are bounded on purpose: a channel from a fixed list, a status code, an intent or
action of the domain (anything else is "other"), a fixed outcome. Never a message's words, a
sender id or a username, so the metrics need no redaction and their series cannot grow
without end. docs/operations.md lists every metric.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

OTHER = "other"


def exposition() -> tuple[bytes, str]:
    """This process's metrics in Prometheus's text format, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
