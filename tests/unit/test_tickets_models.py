"""Ticket references (what people read out on the phone) and the outbox's retry schedule."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.tickets.models import Ticket
from bot.tickets.outbox import backoff


@pytest.mark.parametrize(
    ("ticket_id", "reference"),
    [(1, "MFA-000001"), (123, "MFA-000123"), (999_999, "MFA-999999"), (1_234_567, "MFA-1234567")],
)
def test_reference_is_zero_padded(ticket_id: int, reference: str) -> None:
    assert Ticket(id=ticket_id).reference == reference
    assert Ticket.parse_reference(reference) == ticket_id


@pytest.mark.parametrize(
    "text",
    [
        "MFA-000123",
        "mfa-000123",
        "Mfa-123",
        "  MFA-000123\n",
        "MFA - 000123",
        "MFA 000123",
        "MFA000123",
        "MFA‑000123",  # non-breaking hyphen, as phones and mail clients produce
        "MFA–000123",  # en dash
        "MFA-000 123",
    ],
)
def test_parse_reference_is_tolerant(text: str) -> None:
    assert Ticket.parse_reference(text) == 123


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "123",
        "MFA-",
        "MFA-000000",
        "MFA--123",
        "XYZ-000123",
        "MFA-12a",
        "MFA-000123 please",
        "ticket MFA-000123",
        "MFA-99999999999",  # beyond INTEGER: would make PostgreSQL raise, not find nothing
        "MFA-2147483648",
        "MFA-١٢٣",  # Arabic-Indic digits are digits to \d, not to the database
        None,
        123,
    ],
)
def test_parse_reference_refuses_garbage(text: object) -> None:
    assert Ticket.parse_reference(text) is None  # type: ignore[arg-type]


def test_largest_id_still_parses() -> None:
    assert Ticket.parse_reference("MFA-2147483647") == 2_147_483_647


def test_repr_has_no_personal_data() -> None:
    ticket = Ticket(id=7, name="Jens Hansen", username="jeha@ruc.dk", status="open", channel="web")
    assert "MFA-000007" in repr(ticket)
    assert "Jens" not in repr(ticket)
    assert "jeha" not in repr(ticket)


def test_transcript_lines_never_raise() -> None:
    lines = [
        {"who": "user", "text": "I lost my phone", "at": "2026-03-02T09:15:00+00:00"},
        {"who": "bot", "text": "Sorry!", "at": None},
    ]
    assert Ticket(transcript=json.dumps(lines)).transcript_lines == lines
    assert Ticket(transcript="not json").transcript_lines == [
        {"who": "bot", "text": "not json", "at": None}
    ]
    assert Ticket(transcript='{"a": 1}').transcript_lines == [
        {"who": "bot", "text": "{'a': 1}", "at": None}
    ]
    assert Ticket(transcript='["plain"]').transcript_lines == [
        {"who": "", "text": "plain", "at": None}
    ]


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [
        (0, 30),
        (1, 30),
        (2, 60),
        (3, 120),
        (4, 240),
        (5, 480),
        (6, 960),
        (7, 1920),
        (8, 3600),
        (12, 3600),
        (10_000, 3600),
    ],
)
def test_backoff_doubles_from_30_seconds_up_to_an_hour(attempts: int, seconds: int) -> None:
    assert backoff(attempts) == timedelta(seconds=seconds)
