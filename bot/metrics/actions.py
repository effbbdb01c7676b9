"""Metrics of the action server: which custom actions run, how long they take, which fail."""

from __future__ import annotations

from collections.abc import Collection

from prometheus_client import Counter, Histogram

from bot.metrics import OTHER

# Most actions answer in milliseconds; a ticket may retry its database for about 8 s.
ACTION_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

ACTIONS = Counter(
    "mfa_actions",
    "Custom actions run, by action and outcome: ok, or failed (an error answered to Rasa).",
    ["action", "outcome"],
)
ACTION_SECONDS = Histogram(
    "mfa_action_seconds",
    "Time to run one custom action, from Rasa's call to the answer.",
    ["action"],
    buckets=ACTION_BUCKETS_S,
)


def observe_action(name: object, known: Collection[str], status: int, seconds: float) -> None:
    """One call of /webhook answered; `known` are the domain's actions, the only labels."""
    action = name if isinstance(name, str) and name in known else OTHER
    ACTIONS.labels(action, "ok" if status == 200 else "failed").inc()
    ACTION_SECONDS.labels(action).observe(seconds)
