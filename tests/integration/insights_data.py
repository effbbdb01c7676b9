"""A small hand-made month of messages for the insights tests, every figure known by heart.

Seven conversations in the period 2026-03-02 (a Monday) to 2026-03-10 (the next Tuesday), and
one message on each side of it that no figure may count:

- A (widget, English, Monday 9h): a question answered, "yes" it helped, then "Ændre telefon"
  not understood;
- B (widget, Danish, Monday 10h): "ÆNDRE TELEFON" not understood, a button, "nej" it did not
  help;
- C (Telegram, English): Monday 22h a handoff offered; Tuesday 8h a ticket and a rating of 5;
- D (widget, English, Sunday 14h): sent to the servicedesk and said again in other words,
  answered, rated 3;
- E (widget, English): Sunday 23h "hello"; Monday 0h (the next ISO week) " Ændre telefon "
  not understood;
- F (widget, Danish, Tuesday 12h): answered but said again, "ja" it helped, rated 4;
- G (another channel, English, Tuesday 13h): a ticket.

The expected figures, counted by hand, are in test_insights_figures.py.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any

import sqlalchemy as sa

from bot.insights import tables

START, END = date(2026, 3, 2), date(2026, 3, 10)
_COLUMNS = (
    "sender_id",
    "day",
    "hour",
    "channel",
    "language",
    "text",
    "typed",
    "topic",
    "outcome",
    "helpful",
    "rating",
    "rephrased",
)
_APP, _NEW, _LOCKED, _CODE = (
    "faq/app_download",
    "faq/new_phone",
    "faq/locked_out",
    "faq/code_rejected",
)
# (sender, day of March, local hour, channel, language, text, typed, topic, outcome,
#  helpful, rating, rephrased)
ROWS: list[tuple[Any, ...]] = [
    ("A", 2, 9, "rest", "en", "How do I get the app?", True, _APP, "answered", None, None, False),
    ("A", 2, 9, "rest", "en", "yes", True, _APP, "feedback", True, None, False),
    ("A", 2, 9, "rest", "en", "Ændre telefon", True, None, "clarified", None, None, False),
    ("B", 2, 10, "rest", "da", "ÆNDRE TELEFON", True, None, "clarified", None, None, False),
    ("B", 2, 10, "rest", "da", "/choose_topic", False, _NEW, "answered", None, None, False),
    ("B", 2, 10, "rest", "da", "nej", True, _NEW, "feedback", False, None, False),
    ("C", 2, 22, "telegram", "en", "locked out", True, _LOCKED, "handoff", None, None, False),
    ("C", 3, 8, "telegram", "en", "I am locked out", True, "ticket", "ticket", None, None, False),
    ("C", 3, 8, "telegram", "en", "5", True, "ticket", "feedback", None, 5, False),
    ("D", 8, 14, "rest", "en", "qr code broken", True, None, "servicedesk", None, None, True),
    ("D", 8, 14, "rest", "en", "the QR code is broken", True, _CODE, "answered", None, None, False),
    ("D", 8, 14, "rest", "en", "3", True, _CODE, "feedback", None, 3, False),
    ("E", 8, 23, "rest", "en", "hello", True, None, "answered", None, None, False),
    ("E", 9, 0, "rest", "en", " Ændre telefon ", True, None, "clarified", None, None, False),
    ("F", 10, 12, "rest", "da", "hvordan får jeg appen", True, _APP, "answered", None, None, True),
    ("F", 10, 12, "rest", "da", "ja", True, _APP, "feedback", True, None, False),
    ("F", 10, 12, "rest", "da", "4", True, _APP, "feedback", None, 4, False),
    ("G", 10, 13, "other", "en", "ticket please", True, "ticket", "ticket", None, None, False),
    # Outside the period: counted by no figure.
    ("X", 1, 9, "rest", "en", "before", True, _APP, "clarified", True, 1, True),
    ("Y", 11, 9, "rest", "en", "after", True, _APP, "clarified", False, 2, True),
]


def rows() -> list[dict[str, Any]]:
    """The rows as insight_turns holds them (the UTC time is not read by any figure)."""
    found = []
    for values in ROWS:
        row = dict(zip(_COLUMNS, values, strict=True))
        day = date(2026, 3, row["day"])
        row.update(
            day=day,
            weekday=day.weekday(),
            at=datetime.combine(day, time(row["hour"]), timezone.utc),
            intent="faq",
            confidence=0.9,
        )
        found.append(row)
    return found


def seed(url: str) -> None:
    """Create insight_turns at ``url`` as the tracker store does, and insert the rows."""
    engine = sa.create_engine(url, future=True)
    try:
        tables.ensure_tables(engine)
        with engine.begin() as connection:
            connection.execute(tables.TURNS.insert(), rows())
    finally:
        engine.dispose()
