"""The figures as the page's sections: a title, a sentence, charts and one table each.

A section's table is also its CSV download (``/insights/<name>.csv``), so the page and the
file never disagree about what a column means. Cells hold values (numbers, shares as 0-1
floats, texts, None for "nothing to divide"); ``shown`` writes them for people, ``csv_text``
for spreadsheets.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from bot.insights import charts
from bot.insights.figures import Activity, Figures

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SHARE, COUNT, TEXT, MEAN = "share", "count", "text", "mean"
ACTIVITY_COLUMNS = [
    ("Conversations", COUNT),
    ("Messages", COUNT),
    ("Typed messages", COUNT),
    ("Unsure answers", COUNT),
    ("Conversations handed over", COUNT),
    ("Conversations with a ticket", COUNT),
    ("Containment", SHARE),
    ("Fallback and clarification rate", SHARE),
    ("Handoff rate", SHARE),
    ("Ticket rate", SHARE),
]
# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = COUNT


@dataclass(frozen=True)
class Section:
    name: str  # the anchor and the CSV's name
    title: str
    about: str
    columns: list[Column]
    rows: list[list[Any]]
    charts: list[Markup] = field(default_factory=list)
    marked: list[list[bool]] | None = None  # cells to highlight (open hours)
    note: str = ""


def shown(value: Any, kind: str) -> str:
    """A cell for people: shares as percentages, counts with thousands separators."""
    if value is None:
        return "-"
    if kind == SHARE:
        return f"{value:.1%}"
    if kind == MEAN:
        return f"{value:.2f}"
    if kind == COUNT and isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _csv_cell(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind in (SHARE, MEAN):
        return f"{value:.4f}"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(section: Section) -> str:
    """The section's table as CSV (a header row, then one row per table row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in section.columns])
    for row in section.rows:
        writer.writerow(
            [
                _csv_cell(value, column.kind)
                for value, column in zip(row, section.columns, strict=True)
            ]
        )
    return out.getvalue()


def _activity_values(row: Activity) -> list[Any]:
    return [
        row.conversations,
        row.messages,
        row.typed,
        row.unsure,
        row.handed_over,
        row.ticketed,
        row.containment,
        row.unsure_rate,
        row.handoff_rate,
        row.ticket_rate,
    ]


def _activity_section(
    name: str,
    title: str,
    note: str,
    rows: Sequence[Activity],
    keys: list[tuple[Column, Callable[[Activity], str]]],
    axis: tuple[str, Callable[[Activity], str]],
) -> Section:
    """Per day or per week: a table of the activity figures under the conversations as bars
    and the three rates as lines. ``keys`` label a table row (the day; the week and its
    Monday), ``axis`` names the charts' x axis and labels a row on it."""
    unit, label = axis
    labels = [label(row) for row in rows]
    return Section(
        name,
        title,
        note,
        [column for column, _ in keys] + [Column(head, kind) for head, kind in ACTIVITY_COLUMNS],
        [[key(row) for _, key in keys] + _activity_values(row) for row in rows],
        [
            charts.bars(
                f"Conversations {title.lower()}",
                labels,
                [row.conversations for row in rows],
                x_label=unit,
                y_label="Conversations",
            ),
            charts.lines(
                f"Rates {title.lower()}",
                labels,
                {
                    "Containment": [row.containment for row in rows],
                    "Fallback and clarification": [row.unsure_rate for row in rows],
                    "Handoff": [row.handoff_rate for row in rows],
                },
                x_label=unit,
            ),
        ],
    )


def _days(figures: Figures, _opening: str) -> Section:
    return _activity_section(
        "days",
        "Per day",
        "Conversations (distinct people) and messages on each local day, and what became of them.",
        figures.activity.days,
        [(Column("Day", TEXT), lambda day: day.start.isoformat())],
        ("Day", lambda day: day.start.strftime("%d %b")),
    )


def _weeks(figures: Figures, _opening: str) -> Section:
    return _activity_section(
        "weeks",
        "Per week",
        "The same per ISO week (Monday to Sunday, only the days inside the period): a person "
        "who came back on another day of the week counts once.",
        figures.activity.weeks,
        [
            (Column("Week", TEXT), lambda week: week.week),
            (Column("Monday", TEXT), lambda week: week.start.isoformat()),
        ],
        ("ISO week", lambda week: week.week),
    )


def _topics(figures: Figures, _opening: str) -> Section:
    rows = figures.topics
    return Section(
        "topics",
        "Top topics",
        "What people asked about most: messages answered per topic.",
        [Column("Topic", TEXT), Column("Messages")],
        [[row.label, row.messages] for row in rows],
        [
            charts.ranked(
                "Top topics", [r.label for r in rows], [r.messages for r in rows], unit="Messages"
            )
        ],
    )


def _helpfulness(figures: Figures, _opening: str) -> Section:
    rows = figures.helpfulness
    return Section(
        "helpfulness",
        "Helpfulness per topic",
        "Answers to “Did this help?”: Yes / (Yes + No) for the topic the question was about.",
        [Column("Topic", TEXT), Column("Yes"), Column("No"), Column("Helpful", SHARE)],
        [[row.topic, row.yes, row.no, row.helpful] for row in rows],
        [
            charts.ranked(
                "Helpful answers per topic",
                [f"{r.topic} ({r.answers})" for r in rows],
                [r.helpful or 0.0 for r in rows],
                unit="Share answered Yes",
                percent=True,
            )
        ],
    )


def _ratings(figures: Figures, _opening: str) -> Section:
    ratings = figures.ratings
    mean = "-" if ratings.mean is None else f"{ratings.mean:.2f}"
    return Section(
        "ratings",
        "Ratings",
        f"Ratings from 1 to 5 after a walkthrough or a ticket: {ratings.total:,} in all, "
        f"mean {mean}.",
        [Column("Rating", TEXT), Column("People"), Column("Share", SHARE)],
        [
            [str(k), n, n / ratings.total if ratings.total else None]
            for k, n in ratings.counts.items()
        ],
        [
            charts.bars(
                "Ratings",
                [str(k) for k in ratings.counts],
                list(ratings.counts.values()),
                x_label="Rating (1 = poor, 5 = very good)",
                y_label="People",
            )
        ],
    )


def _misses(figures: Figures, _opening: str) -> Section:
    rows = figures.misses
    return Section(
        "misunderstood",
        "Top misunderstood messages",
        "Typed messages answered with “did you mean…” or the servicedesk, or said again in "
        "other words, grouped by their lower-cased text (as stored: redacted).",
        [Column("Message", TEXT), Column("Times"), Column("Conversations")],
        [[row.label, row.messages, row.conversations] for row in rows],
        [
            charts.ranked(
                "Top misunderstood messages",
                [r.label for r in rows],
                [r.messages for r in rows],
                unit="Times",
            )
        ],
    )


def _hours(figures: Figures, opening: str) -> Section:
    hours = figures.hours
    total, inside = hours.total, hours.in_open_hours
    share_open = "-" if not total else f"{inside / total:.0%}"
    return Section(
        "hours",
        "Busiest hours",
        f"Messages by local weekday and hour; outlined hours are the servicedesk's opening "
        f"hours ({opening}; public holidays not shown). {share_open} of the messages came "
        "while it was open.",
        [Column("Weekday", TEXT)] + [Column(f"{hour:02d}") for hour in range(24)],
        [[WEEKDAYS[day], *hours.counts[day]] for day in range(7)],
        [
            charts.heatmap(
                "Messages by weekday and hour",
                [name[:3] for name in WEEKDAYS],
                hours.counts,
                hours.open,
                description=f"Messages per weekday and local hour; {share_open} in open hours.",
            )
        ],
        marked=[[False, *row] for row in hours.open],
    )


SECTIONS: dict[str, Callable[[Figures, str], Section]] = {
    "days": _days,
    "weeks": _weeks,
    "topics": _topics,
    "helpfulness": _helpfulness,
    "ratings": _ratings,
    "misunderstood": _misses,
    "hours": _hours,
}


def sections(figures: Figures, opening: str) -> list[Section]:
    """Every section, in the page's order; ``opening`` says when the servicedesk is open."""
    return [build(figures, opening) for build in SECTIONS.values()]


def review_queue_note(pending: int, reviewed: int) -> Markup:
    """The review queue's line on the insights page (its counts come from bot/insights/
    review.py when that module offers ``queue_counts``)."""
    return Markup(
        '<p class="review-queue">Review queue: <a href="/review">{} pending, {} reviewed</a></p>'
    ).format(escape(f"{pending:,}"), escape(f"{reviewed:,}"))
