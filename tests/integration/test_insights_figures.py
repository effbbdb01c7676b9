"""The insights page's figures on SQLite and PostgreSQL equal the ones counted by hand.

The data set is tests/integration/insights_data.py (read its docstring first: each number
below is counted from the rows listed there).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import pytest

from bot.hours import ServiceHours
from bot.insights import figures
from bot.insights.filters import FilterError, Filters, parse_filters
from bot.insights.source import Source
from tests.integration import insights_data
from tests.integration.databases import postgres_url  # noqa: F401  (a fixture)

HOURS = ServiceHours()  # Monday to Friday, 8:00-16:00
PERIOD = Filters(insights_data.START, insights_data.END)


@pytest.fixture(params=["sqlite", "postgresql"])
def source(request: pytest.FixtureRequest, tmp_path) -> Iterator[Source]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'trackers.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    insights_data.seed(url)
    found = Source(url)
    yield found
    found.dispose()


def counts(row: figures.Activity) -> tuple[int, ...]:
    return (row.conversations, row.messages, row.typed, row.unsure, row.handed_over, row.ticketed)


def test_per_day_per_week_and_in_total(source: Source) -> None:
    found = source.figures(PERIOD, HOURS).activity
    by_day = {row.start.day: counts(row) for row in found.days}
    # (conversations, messages, typed, unsure, handed over, with a ticket)
    assert by_day == {
        2: (3, 7, 6, 2, 1, 0),  # A, B, C; B's button is not typed; A and B unsure; C handed
        3: (1, 2, 2, 0, 1, 1),  # C again: a ticket
        4: (0,) * 6,
        5: (0,) * 6,
        6: (0,) * 6,
        7: (0,) * 6,
        8: (2, 4, 4, 1, 0, 0),  # D (servicedesk), E's hello
        9: (1, 1, 1, 1, 0, 0),  # E after midnight: the next ISO week
        10: (2, 4, 4, 0, 1, 1),  # F, G's ticket
    }
    assert [(row.week, counts(row)) for row in found.weeks] == [
        ("2026-W10", (5, 13, 12, 3, 1, 1)),  # A-E, C once although on two days
        ("2026-W11", (3, 5, 5, 1, 1, 1)),  # E, F, G
    ]
    assert counts(found.total) == (7, 18, 17, 4, 2, 2)  # C and E once each
    assert found.total.containment == pytest.approx(5 / 7)
    assert found.total.unsure_rate == pytest.approx(4 / 17)
    assert found.total.handoff_rate == pytest.approx(2 / 7)
    assert found.total.ticket_rate == pytest.approx(2 / 7)
    monday = found.days[0]
    assert monday.containment == pytest.approx(2 / 3)
    assert monday.unsure_rate == pytest.approx(2 / 6)
    assert found.days[2].containment is None  # no conversation: nothing to divide


def test_feedback_topics_and_misses(source: Source) -> None:
    found = source.figures(PERIOD, HOURS)
    assert [(h.topic, h.yes, h.no) for h in found.helpfulness] == [
        ("faq/app_download", 2, 0),
        ("faq/new_phone", 0, 1),
    ]
    assert found.helpfulness[1].helpful == 0.0
    assert found.ratings.counts == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    assert found.ratings.mean == pytest.approx(4.0)
    assert [(t.label, t.messages) for t in found.topics] == [
        ("faq/app_download", 2),
        ("ticket", 2),
        ("faq/code_rejected", 1),
        ("faq/locked_out", 1),
        ("faq/new_phone", 1),
    ]
    # Lower-cased and trimmed, Danish letters too (SQLite's own lower() would not).
    assert [(m.label, m.messages, m.conversations) for m in found.misses] == [
        ("ændre telefon", 3, 3),
        ("hvordan får jeg appen", 1, 1),
        ("qr code broken", 1, 1),
    ]


def test_busiest_hours_against_opening_hours(source: Source) -> None:
    hours = source.figures(PERIOD, HOURS).hours
    nonzero = {
        (day, hour): n for day, row in enumerate(hours.counts) for hour, n in enumerate(row) if n
    }
    assert nonzero == {
        (0, 0): 1,
        (0, 9): 3,
        (0, 10): 3,
        (0, 22): 1,
        (1, 8): 2,
        (1, 12): 3,
        (1, 13): 1,
        (6, 14): 3,
        (6, 23): 1,
    }
    assert hours.total == 18 and hours.in_open_hours == 12
    assert hours.open[0][8] and hours.open[4][15] and not hours.open[0][16]
    assert not hours.open[5][10] and not hours.open[0][7]


def test_language_and_channel_filters(source: Source) -> None:
    danish = source.figures(Filters(PERIOD.start, PERIOD.end, language="da"), HOURS)
    assert counts(danish.activity.total) == (2, 6, 5, 1, 0, 0)  # B and F
    assert [m.label for m in danish.misses] == ["hvordan får jeg appen", "ændre telefon"]
    telegram = source.figures(Filters(PERIOD.start, PERIOD.end, channel="telegram"), HOURS)
    assert counts(telegram.activity.total) == (1, 3, 3, 0, 1, 1)  # C
    assert telegram.ratings.counts[5] == 1 and telegram.ratings.total == 1
    one_day = source.figures(Filters(date(2026, 3, 3), date(2026, 3, 3)), HOURS)
    assert counts(one_day.activity.total) == (1, 2, 2, 0, 1, 1)
    assert [row.week for row in one_day.activity.weeks] == ["2026-W10"]


def test_an_empty_tracker_database_has_empty_figures(tmp_path) -> None:
    source = Source(f"sqlite:///{tmp_path / 'new.db'}")
    found = source.figures(PERIOD, HOURS)
    source.dispose()
    assert found.activity.total.conversations == 0 and len(found.activity.days) == 9
    assert found.topics == [] and found.ratings.mean is None


def test_open_hours_cover_part_hours() -> None:
    hours = figures.open_hours(ServiceHours(opens=time(8, 30), closes=time(15, 15)))
    assert [hour for hour in range(24) if hours[2][hour]] == list(range(8, 16))


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ({"from": "2026-03-10", "to": "2026-03-01"}, "starts"),
        ({"from": "yesterday"}, "not a date"),
        ({"to": "2026-02-30"}, "not a date"),
        ({"channel": "fax"}, "Unknown channel"),
        ({"language": "de"}, "Unknown language"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "at most"),
        ({"from": "1066-10-14"}, "between"),
    ],
)
def test_bad_filters_are_refused_with_a_reason(args: dict[str, str], reason: str) -> None:
    with pytest.raises(FilterError, match=reason):
        parse_filters(args, date(2026, 3, 10))


def test_default_filters_are_the_last_28_days() -> None:
    found = parse_filters({}, date(2026, 3, 10))
    assert (found.start, found.end, found.language, found.channel) == (
        date(2026, 2, 11),
        date(2026, 3, 10),
        "all",
        "all",
    )
