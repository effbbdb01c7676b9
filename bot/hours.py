"""Servicedesk opening hours, computed from configuration.

The assistant answers "is the servicedesk open?" from a clock and a calendar
instead of a hard-coded text, so the answer stays true on holidays, at
weekends and across daylight-saving switches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.locales import DEFAULT_LANGUAGE, texts

# A year ahead is enough for any real closure; beyond that the configuration
# is wrong and saying "no opening hours" is more honest than looping forever.
_SEARCH_DAYS = 366

_WEEKDAY_ABBREVIATIONS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The sentence's English words; other languages pass theirs as `phrases` (locales/*/texts.yml).
ENGLISH: Mapping[str, str] = MappingProxyType(texts("hours", DEFAULT_LANGUAGE))


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    """Cache per (country, year): building the calendar is slow, and a frozen
    dataclass cannot hold a lazily filled cache of its own."""
    return frozenset(holidays.country_holidays(country, years=year))


@dataclass(frozen=True)
class HoursStatus:
    """Whether the desk is open, and the one moment worth telling the user.

    Datetimes are in the desk's local time zone, so they can be shown as-is.
    """

    open_now: bool
    closes_at: datetime | None = None
    next_open: datetime | None = None


@dataclass(frozen=True)
class ServiceHours:
    """Opening hours of the servicedesk; immutable so it can be shared freely."""

    opens: time = time(8, 0)
    closes: time = time(16, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    timezone: str = "Europe/Copenhagen"
    holiday_country: str = "DK"
    extra_closed: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        """Fail at start-up on bad configuration, not when a user asks."""
        if not self.opens < self.closes:
            raise ValueError(f"opening time {self.opens} must be before closing time {self.closes}")
        if not self.weekdays <= set(range(7)):
            raise ValueError(f"weekdays must be 0 (Monday) to 6 (Sunday): {sorted(self.weekdays)}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {self.timezone!r}") from error
        if self.holiday_country and self.holiday_country not in holidays.list_supported_countries():
            raise ValueError(f"no public holidays known for country {self.holiday_country!r}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open_day(self, day: date) -> bool:
        """A day counts only if it is a working weekday, not a public holiday
        and not one of the desk's own closing days."""
        if day.weekday() not in self.weekdays or day in self.extra_closed:
            return False
        return not (
            self.holiday_country and day in _public_holidays(self.holiday_country, day.year)
        )

    def status(self, now: datetime) -> HoursStatus:
        """Evaluate the hours at `now` in the desk's own time zone, because the
        server and the user may be anywhere."""
        local = _to_zone(now, self.zone)
        today = local.date()
        if self.is_open_day(today) and self.opens <= local.time() < self.closes:
            return HoursStatus(open_now=True, closes_at=self._at(today, self.closes))
        return HoursStatus(open_now=False, next_open=self._next_open(local))

    def _next_open(self, local: datetime) -> datetime | None:
        today = local.date()
        for offset in range(_SEARCH_DAYS + 1):
            day = today + timedelta(days=offset)
            if offset == 0 and local.time() >= self.opens:
                continue
            if self.is_open_day(day):
                return self._at(day, self.opens)
        return None

    def _at(self, day: date, wall_time: time) -> datetime:
        """Combine with the zone, rather than adding hours to a datetime, so
        8:00 stays 8:00 on the clock across a daylight-saving switch."""
        return datetime.combine(day, wall_time, tzinfo=self.zone)


def _to_zone(moment: datetime, zone: tzinfo) -> datetime:
    """Reject naive datetimes: a clock without a time zone is a bug, and
    guessing its zone would give answers that are wrong by hours."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(zone)


def format_time(moment: datetime | time) -> str:
    """'8:00', not '08:00': that is how people write and say the time."""
    return f"{moment.hour}:{moment.minute:02d}"


def describe(
    status: HoursStatus,
    now: datetime,
    phrases: Mapping[str, str] | None = None,
) -> str:
    """Say the status as a sentence; `phrases` overrides the English wording
    key by key, so another language needs only a dict, not new code."""
    words = {**ENGLISH, **(phrases or {})}
    if status.open_now and status.closes_at is not None:
        return words["open_until"].format(time=format_time(status.closes_at))
    if status.next_open is None:
        return words["no_opening"]
    opening = status.next_open
    if opening.tzinfo is None:
        raise ValueError("next_open must be timezone-aware; use ServiceHours.status()")
    days_ahead = (opening.date() - _to_zone(now, opening.tzinfo).date()).days
    weekday = words["weekday_names"].split(",")[opening.weekday()]
    if days_ahead <= 0:
        when = words["today"]
    elif days_ahead == 1:
        when = words["tomorrow"]
    elif days_ahead < 7:
        # A week or more ahead the weekday name alone would be ambiguous.
        when = words["this_week"].format(weekday=weekday)
    else:
        month = words["month_names"].split(",")[opening.month - 1]
        when = words["later"].format(weekday=weekday, day=opening.day, month=month)
    return words["closed_opens"].format(when=when, time=format_time(opening))


def parse_time(text: str) -> time:
    """Parse 'H:MM' or 'HH:MM' from configuration, such as '08:00' or '9:30'."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if match is None:
        raise ValueError(f"invalid time {text!r}: expected HH:MM, such as 08:00")
    try:
        return time(int(match.group(1)), int(match.group(2)))
    except ValueError as error:
        raise ValueError(f"invalid time {text!r}: {error}") from error


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse 'mon-fri', 'mon,wed,fri' or 'sat-mon' (ranges may wrap past
    Sunday) into weekday numbers, Monday = 0."""
    days: set[int] = set()
    for part in text.split(","):
        first, dash, last = part.partition("-")
        start = _weekday_number(first, text)
        end = _weekday_number(last, text) if dash else start
        days.update((start + i) % 7 for i in range((end - start) % 7 + 1))
    return frozenset(days)


def _weekday_number(name: str, text: str) -> int:
    key = name.strip().lower()
    if key not in _WEEKDAY_ABBREVIATIONS:
        raise ValueError(
            f"invalid weekday {name.strip()!r} in {text!r}: "
            f"use {', '.join(_WEEKDAY_ABBREVIATIONS)}, e.g. 'mon-fri'"
        )
    return _WEEKDAY_ABBREVIATIONS.index(key)


def parse_dates(text: str) -> frozenset[date]:
    """Parse comma-separated ISO dates, such as '2026-12-24,2026-12-31'.

    An empty string means no extra closing days, which is the usual setting.
    """
    if not text.strip():
        return frozenset()
    dates: set[date] = set()
    for part in text.split(","):
        try:
            dates.add(date.fromisoformat(part.strip()))
        except ValueError as error:
            raise ValueError(
                f"invalid date {part.strip()!r} in {text!r}: expected YYYY-MM-DD"
            ) from error
    return frozenset(dates)


def status_sentence(
    hours: ServiceHours, now: datetime | None = None, phrases: Mapping[str, str] | None = None
) -> str:
    """ "Open now, until 16:00" or "closed, opens Monday at 8:00", for the moment `now`.

    Callers pass no clock in production; tests pass a fixed one.
    """
    moment = now or datetime.now(hours.zone)
    return describe(hours.status(moment), moment, phrases)
