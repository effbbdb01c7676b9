"""Hostile and random inputs shared by the fuzz tests of every entry point (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = 1000
# The same payloads on every run (a failure reproduces), none remembered between runs, and no
# time limit per example: a payload may wait for the dialogue.
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

HOSTILE_TEXTS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "'; DROP TABLE events; --",
    "{{7*7}} ${7*7} %s %n",
    "\u202eevil\u202c",
    "\x00\x01\x02",
    "🙂" * 500,
    "a" * 100_000,
    '/greet{"x": }',
    '/start_walkthrough{"walkthrough": 42}',
    "/nonexistent_intent",
    '/choose_topic{"topic": "../../etc/passwd"}',
    "https://login.microsoftonline.com@evil.example/",
    "\n\n\n",
]
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
messages = st.text(max_size=300) | st.sampled_from(HOSTILE_TEXTS) | json_values
