"""What the insights page is asked for: a period, a language and a channel, checked.

Parsed from the query string (``from``, ``to``, ``language``, ``channel``) by one function, so
the page and every CSV download read the same filters the same way, and bad input becomes a
sentence for a 400 page instead of an error deep in a query. The period is bounded (a year at
most), so every per-day and per-week figure has a bounded number of rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_DAYS = 28
MAX_DAYS = 366
# Far enough either way for any real conversation; keeps week arithmetic off date.min/max.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
ALL = "all"
LANGUAGES = {ALL: "All languages", "en": "English", "da": "Danish"}
CHANNELS = {ALL: "All channels", "rest": "Chat widget and REST", "telegram": "Telegram"}


class FilterError(ValueError):
    """Input the page cannot show figures for; the message says why, for the person."""


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    language: str = ALL
    channel: str = ALL

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def mondays(self) -> list[date]:
        """The Monday of every ISO week the period touches (the first may lie before it)."""
        first = self.start - timedelta(days=self.start.weekday())
        return [first + timedelta(weeks=n) for n in range((self.end - first).days // 7 + 1)]

    def query_args(self) -> dict[str, str]:
        """The filters as the query string that asks for them (links to the CSV files)."""
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "language": self.language,
            "channel": self.channel,
        }


def default_filters(today: date) -> Filters:
    return Filters(today - timedelta(days=DEFAULT_DAYS - 1), today)


def _date(args: Mapping[str, str], name: str, default: date) -> date:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        value = date.fromisoformat(raw)
    except ValueError:
        raise FilterError(f"“{raw[:40]}” is not a date: write it as YYYY-MM-DD.") from None
    if not EARLIEST <= value <= LATEST:
        raise FilterError(f"Dates must lie between {EARLIEST} and {LATEST}.")
    return value


def _choice(args: Mapping[str, str], name: str, choices: Mapping[str, str]) -> str:
    value = (args.get(name) or ALL).strip()
    if value not in choices:
        raise FilterError(f"Unknown {name} “{value[:40]}”: choose one of {', '.join(choices)}.")
    return value


def parse_filters(args: Mapping[str, str], today: date) -> Filters:
    """Filters from a query string; missing ones default to the last 28 days, everything."""
    default = default_filters(today)
    end = _date(args, "to", default.end)
    start = _date(args, "from", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise FilterError(f"The period starts ({start}) after it ends ({end}).")
    if (end - start).days + 1 > MAX_DAYS:
        raise FilterError(f"Choose a period of at most {MAX_DAYS} days.")
    return Filters(
        start, end, _choice(args, "language", LANGUAGES), _choice(args, "channel", CHANNELS)
    )
