"""The insights page's figures, counted by the database from ``insight_turns`` (tables.py).

Every query is SQLAlchemy Core that runs on SQLite and PostgreSQL alike, filtered by a period
(bounded by filters.py), a language and a channel, and returns a bounded number of rows (per
day, per week, per topic up to a limit, per hour of the week): the database does the counting,
Python only fills the gaps. Conversations are distinct senders; the activity figures come from
one query whose first step groups the period's messages per conversation and day, so the
table is read once for days, weeks and the period together (issue 19: under a second for
100,000 conversations on PostgreSQL; bench/insights.py measures it).

What each figure means is written down in docs/insights.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement, Label

from bot.hours import ServiceHours
from bot.insights import tables
from bot.insights.filters import ALL, Filters
from bot.insights.tables import CLARIFIED, FEEDBACK, HANDOFF, SERVICEDESK, TICKET, TURNS

TOP_TOPICS = 10
TOP_MISSES = 20
HELPFULNESS_TOPICS = 30
RATINGS = (1, 2, 3, 4, 5)
# Shown texts are cut here: a pasted essay would otherwise fill the page.
MISS_TEXT_CHARS = 300

UNSURE = (CLARIFIED, SERVICEDESK)
HANDED_OVER = (HANDOFF, TICKET)
# Per conversation: summed over its messages (the first three), or 0/1 flags (the last two).
SUMMED = ("messages", "typed", "unsure", "handed", "ticketed")


def share(part: int, whole: int) -> float | None:
    """part / whole, None when there is nothing to divide (shown as "-", not as 0%)."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Activity:
    """One day, one ISO week (``start`` is its Monday) or the whole period."""

    start: date
    conversations: int = 0
    messages: int = 0
    typed: int = 0  # typed messages (not button presses)
    unsure: int = 0  # typed messages answered with "did you mean..." or the servicedesk
    handed_over: int = 0  # conversations offered a ticket (or given one)
    ticketed: int = 0  # conversations that created a ticket

    @property
    def containment(self) -> float | None:
        """Conversations the assistant kept: no handoff offered, no ticket."""
        rate = share(self.handed_over, self.conversations)
        return None if rate is None else 1 - rate

    @property
    def unsure_rate(self) -> float | None:
        return share(self.unsure, self.typed)

    @property
    def handoff_rate(self) -> float | None:
        return share(self.handed_over, self.conversations)

    @property
    def ticket_rate(self) -> float | None:
        return share(self.ticketed, self.conversations)

    def plus(self, counts: Sequence[Any]) -> Activity:
        """This row with (conversations, messages, typed, unsure, handed over, ticketed)
        added: a day or week counted in two parts of one query."""
        mine = (
            self.conversations,
            self.messages,
            self.typed,
            self.unsure,
            self.handed_over,
            self.ticketed,
        )
        return Activity(self.start, *(a + int(b or 0) for a, b in zip(mine, counts, strict=True)))

    @property
    def week(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class ActivityFigures:
    days: list[Activity]
    weeks: list[Activity]
    total: Activity


@dataclass(frozen=True)
class Helpfulness:
    topic: str
    yes: int
    no: int

    @property
    def answers(self) -> int:
        return self.yes + self.no

    @property
    def helpful(self) -> float | None:
        return share(self.yes, self.answers)


@dataclass(frozen=True)
class Ratings:
    counts: dict[int, int]  # 1..5 -> how many

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def mean(self) -> float | None:
        total = self.total
        return sum(k * n for k, n in self.counts.items()) / total if total else None


@dataclass(frozen=True)
class Counted:
    """A topic, or a misunderstood text, and how many messages it had."""

    label: str
    messages: int
    conversations: int = 0


@dataclass(frozen=True)
class Hours:
    """Messages per weekday (0 = Monday) and local hour, and which hours the desk is open."""

    counts: list[list[int]]  # [weekday][hour]
    open: list[list[bool]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(map(sum, self.counts))

    @property
    def in_open_hours(self) -> int:
        return sum(
            n
            for day, row in enumerate(self.counts)
            for hour, n in enumerate(row)
            if self.open[day][hour]
        )


def _count_if(condition: ColumnElement[Any]) -> ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _flag(condition: ColumnElement[Any]) -> ColumnElement[Any]:
    return sa.func.max(sa.case((condition, 1), else_=0))


def conditions(filters: Filters) -> list[ColumnElement[Any]]:
    """The WHERE of every figure: the period's local days, and the language and channel."""
    found = [TURNS.c.day >= filters.start, TURNS.c.day <= filters.end]
    if filters.language != ALL:
        found.append(TURNS.c.language == filters.language)
    if filters.channel != ALL:
        found.append(TURNS.c.channel == filters.channel)
    return found


def _per_conversation(keys: list[Any], where: list[ColumnElement[Any]]) -> Select:
    """Messages grouped per conversation (and whatever else ``keys`` holds): how many, how
    many typed and unsure, and 1 if a handoff was offered / a ticket made, else 0."""
    unsure = sa.and_(TURNS.c.typed == sa.true(), TURNS.c.outcome.in_(UNSURE))
    return (
        sa.select(
            *keys,
            sa.func.count().label("messages"),
            _count_if(TURNS.c.typed == sa.true()).label("typed"),
            _count_if(unsure).label("unsure"),
            _flag(TURNS.c.outcome.in_(HANDED_OVER)).label("handed"),
            _flag(TURNS.c.outcome == TICKET).label("ticketed"),
        )
        .where(*where)
        .group_by(*(key for key in keys if not isinstance(key, Label)))
    )


def _sums(rows: Any, kind: str, start: Any, where: Any = None) -> Select:
    """Activity rows of one kind (day, week, total) from rows of one conversation each."""
    query = sa.select(
        sa.literal(kind).label("kind"),
        start.label("start"),
        sa.func.count().label("conversations"),
        *(sa.func.coalesce(sa.func.sum(rows.c[name]), 0) for name in SUMMED),
    )
    if where is not None:
        query = query.where(where)
    return query if kind == "total" else query.group_by(start)


def _week_of(column: Any, mondays: list[date]) -> ColumnElement[Any]:
    """The ISO week of a day column, as its Monday: a CASE over the period's weeks (at most
    53) is portable SQL, where date truncation is spelt differently by every database."""
    return sa.case(
        *((column >= monday, sa.literal(monday, sa.Date)) for monday in reversed(mondays)),
        else_=sa.literal(mondays[0], sa.Date),
    )


def activity(connection: Connection, filters: Filters) -> ActivityFigures:
    """Conversations, messages, containment and the rates per day, per week and in total.

    A conversation counts once in each day, week and period it has messages in, so weeks
    are not sums of days. Counting distinct senders three ways (three groupings of the
    busiest table) was too slow; instead the period's messages are grouped per sender once,
    with their first and last day. Most conversations stay within one day: they are counted
    on that day and in that week straight from that grouping. Only senders with messages on
    several days are grouped again per day, and per week when they span weeks. One
    statement; Python adds up the parts of a day or week.
    """
    where, mondays = conditions(filters), filters.mondays
    first, last = sa.func.min(TURNS.c.day).label("first"), sa.func.max(TURNS.c.day).label("last")
    senders = _per_conversation([TURNS.c.sender_id, first, last], where).cte("senders")
    several_days = sa.select(senders.c.sender_id).where(senders.c.first != senders.c.last)
    spread = _per_conversation(
        [TURNS.c.day, TURNS.c.sender_id], [*where, TURNS.c.sender_id.in_(several_days)]
    ).cte("spread")
    first_week, last_week = _week_of(senders.c.first, mondays), _week_of(senders.c.last, mondays)
    spread_week = _week_of(spread.c.day, mondays)
    across_weeks = (
        sa.select(
            spread_week.label("week"),
            *(sa.func.sum(spread.c[name]).label(name) for name in SUMMED[:3]),
            *(sa.func.max(spread.c[name]).label(name) for name in SUMMED[3:]),
        )
        .select_from(spread.join(senders, senders.c.sender_id == spread.c.sender_id))
        .where(first_week != last_week)
        .group_by(spread_week, spread.c.sender_id)
        .subquery("across_weeks")
    )
    parts = [
        _sums(senders, "day", senders.c.first, senders.c.first == senders.c.last),
        _sums(spread, "day", spread.c.day),
        _sums(senders, "week", first_week, first_week == last_week),
        _sums(across_weeks, "week", across_weeks.c.week),
        _sums(senders, "total", sa.literal(filters.start, sa.Date)),
    ]
    found: dict[str, dict[date, Activity]] = {"day": {}, "week": {}, "total": {}}
    for kind, start, *numbers in connection.execute(sa.union_all(*parts)):
        found[kind][start] = found[kind].get(start, Activity(start)).plus(numbers)
    return ActivityFigures(
        days=[found["day"].get(day, Activity(day)) for day in filters.days],
        weeks=[found["week"].get(monday, Activity(monday)) for monday in mondays],
        total=found["total"].get(filters.start, Activity(filters.start)),
    )


def helpfulness(connection: Connection, filters: Filters) -> list[Helpfulness]:
    """ "Did this help?" answers per topic they were about, the most answered first."""
    answers = sa.func.count(TURNS.c.helpful)
    query = (
        sa.select(
            sa.func.coalesce(TURNS.c.topic, "(none)"),
            _count_if(TURNS.c.helpful == sa.true()),
            _count_if(TURNS.c.helpful == sa.false()),
        )
        .where(*conditions(filters), tables.FEEDBACK_GIVEN, TURNS.c.helpful.is_not(None))
        .group_by(TURNS.c.topic)
        .order_by(answers.desc(), TURNS.c.topic)
        .limit(HELPFULNESS_TOPICS)
    )
    return [Helpfulness(topic, int(yes), int(no)) for topic, yes, no in connection.execute(query)]


def ratings(connection: Connection, filters: Filters) -> Ratings:
    """How many people gave each rating from 1 to 5."""
    query = (
        sa.select(TURNS.c.rating, sa.func.count())
        .where(*conditions(filters), tables.FEEDBACK_GIVEN, TURNS.c.rating.in_(RATINGS))
        .group_by(TURNS.c.rating)
    )
    counts = dict.fromkeys(RATINGS, 0)
    counts.update({int(rating): int(n) for rating, n in connection.execute(query)})
    return Ratings(counts)


def top_topics(connection: Connection, filters: Filters) -> list[Counted]:
    """What people asked about most: messages answered per topic (feedback not counted, it
    is about an answer already counted)."""
    messages = sa.func.count()
    query = (
        sa.select(TURNS.c.topic, messages)
        .where(*conditions(filters), TURNS.c.topic.is_not(None), TURNS.c.outcome != FEEDBACK)
        .group_by(TURNS.c.topic)
        .order_by(messages.desc(), TURNS.c.topic)
        .limit(TOP_TOPICS)
    )
    return [Counted(str(topic), int(n)) for topic, n in connection.execute(query)]


def top_misses(connection: Connection, filters: Filters) -> list[Counted]:
    """Typed messages the assistant was unsure of, or that the person had to say again,
    grouped by their lower-cased text: what to teach it next."""
    text = sa.func.lower(sa.func.trim(TURNS.c.text))
    messages = sa.func.count()
    query = (
        sa.select(
            sa.func.substr(text, 1, MISS_TEXT_CHARS),
            messages,
            sa.func.count(sa.distinct(TURNS.c.sender_id)),
        )
        .where(*conditions(filters), tables.MISSED)
        .group_by(sa.func.substr(text, 1, MISS_TEXT_CHARS))
        .order_by(messages.desc(), sa.func.substr(text, 1, MISS_TEXT_CHARS))
        .limit(TOP_MISSES)
    )
    return [Counted(str(t), int(n), int(c)) for t, n, c in connection.execute(query)]


def open_hours(hours: ServiceHours) -> list[list[bool]]:
    """[weekday][hour]: is the desk open during any of that hour? (Public holidays aside.)"""
    opens = hours.opens.hour * 60 + hours.opens.minute
    closes = hours.closes.hour * 60 + hours.closes.minute
    return [
        [
            day in hours.weekdays and hour * 60 < closes and opens < (hour + 1) * 60
            for hour in range(24)
        ]
        for day in range(7)
    ]


def busiest_hours(connection: Connection, filters: Filters, hours: ServiceHours) -> Hours:
    query = (
        sa.select(TURNS.c.weekday, TURNS.c.hour, sa.func.count())
        .where(*conditions(filters))
        .group_by(TURNS.c.weekday, TURNS.c.hour)
    )
    counts = [[0] * 24 for _ in range(7)]
    for weekday, hour, n in connection.execute(query):
        if 0 <= weekday < 7 and 0 <= hour < 24:
            counts[weekday][hour] = int(n)
    return Hours(counts, open_hours(hours))


@dataclass(frozen=True)
class Figures:
    """Everything the page shows, for one set of filters."""

    filters: Filters
    activity: ActivityFigures
    helpfulness: list[Helpfulness]
    ratings: Ratings
    topics: list[Counted]
    misses: list[Counted]
    hours: Hours


def compute(
    connection: Connection, filters: Filters, hours: ServiceHours, *, with_activity: bool = True
) -> Figures:
    """Every figure on one connection; ``with_activity=False`` leaves the activity empty for
    a caller that reads it on another connection at the same time (source.py)."""
    return Figures(
        filters,
        activity(connection, filters) if with_activity else _no_activity(filters),
        helpfulness(connection, filters),
        ratings(connection, filters),
        top_topics(connection, filters),
        top_misses(connection, filters),
        busiest_hours(connection, filters, hours),
    )


def _no_activity(filters: Filters) -> ActivityFigures:
    return ActivityFigures([], [], Activity(filters.start))


def empty(filters: Filters, hours: ServiceHours) -> Figures:
    """The figures of a tracker database no message has reached yet (no table)."""
    nothing = ActivityFigures(
        [Activity(day) for day in filters.days],
        [Activity(monday) for monday in filters.mondays],
        Activity(filters.start),
    )
    counts = [[0] * 24 for _ in range(7)]
    return Figures(
        filters,
        nothing,
        [],
        Ratings(dict.fromkeys(RATINGS, 0)),
        [],
        [],
        Hours(counts, open_hours(hours)),
    )
