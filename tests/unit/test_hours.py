"""Opening hours are checked against fixed clocks, never the real one, so the
tests mean the same thing on every day they run."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.hours import (
    HoursStatus,
    ServiceHours,
    describe,
    format_time,
    parse_dates,
    parse_time,
    parse_weekdays,
)

CPH = ZoneInfo("Europe/Copenhagen")
UTC = timezone.utc
HOURS = ServiceHours()


def cph(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CPH)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def days(first: date, last: date) -> frozenset[date]:
    return frozenset(first + timedelta(n) for n in range((last - first).days + 1))


# --- the calendar the tests rely on -------------------------------------------


def test_danish_holidays_used_in_these_tests_are_real():
    danish = holidays.country_holidays("DK", years=[2026])
    for day in (
        date(2026, 1, 1),
        date(2026, 4, 2),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 12, 25),
        date(2026, 12, 26),
    ):
        assert day in danish
    assert date(2026, 12, 24) not in danish  # Christmas Eve is a working day by law
    assert date(2026, 3, 3).strftime("%A") == "Tuesday"
    assert date(2026, 10, 23).strftime("%A") == "Friday"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 3), True),  # ordinary Tuesday
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 12, 24), True),  # Christmas Eve, not a public holiday
        (date(2026, 12, 25), False),  # Christmas Day
        (date(2026, 12, 26), False),  # Second Day of Christmas
        (date(2027, 1, 1), False),  # New Year's Day, in the next year's calendar
    ],
)
def test_is_open_day(day, expected):
    assert HOURS.is_open_day(day) is expected


def test_no_holiday_country_means_holidays_are_working_days():
    assert ServiceHours(holiday_country="").is_open_day(date(2026, 12, 25))


def test_extra_closed_day_is_not_an_open_day():
    hours = ServiceHours(extra_closed=frozenset({date(2026, 12, 24)}))
    assert not hours.is_open_day(date(2026, 12, 24))
    assert hours.is_open_day(date(2026, 12, 23))


# --- status and describe for the usual week -------------------------------------


@pytest.mark.parametrize(
    ("now", "next_open", "sentence"),
    [
        (cph(2026, 3, 3, 7, 59), cph(2026, 3, 3, 8), "It opens today at 8:00."),
        (cph(2026, 3, 3, 0, 0), cph(2026, 3, 3, 8), "It opens today at 8:00."),
        (cph(2026, 3, 3, 16, 0), cph(2026, 3, 4, 8), "It opens tomorrow at 8:00."),
        (cph(2026, 3, 3, 20, 0), cph(2026, 3, 4, 8), "It opens tomorrow at 8:00."),
        (cph(2026, 3, 6, 17, 0), cph(2026, 3, 9, 8), "It opens Monday at 8:00."),
        (cph(2026, 3, 7, 12, 0), cph(2026, 3, 9, 8), "It opens Monday at 8:00."),
        (cph(2026, 3, 8, 12, 0), cph(2026, 3, 9, 8), "It opens tomorrow at 8:00."),
    ],
    ids=[
        "before-opening",
        "midnight",
        "exactly-closing-time",
        "weekday-evening",
        "friday-evening",
        "saturday",
        "sunday",
    ],
)
def test_closed(now, next_open, sentence):
    status = HOURS.status(now)
    assert status == HoursStatus(open_now=False, closes_at=None, next_open=next_open)
    assert describe(status, now) == f"The servicedesk is closed now. {sentence}"


@pytest.mark.parametrize(
    "now",
    [cph(2026, 3, 3, 8, 0), cph(2026, 3, 3, 10, 0), cph(2026, 3, 3, 15, 59)],
    ids=["exactly-opening-time", "morning", "last-minute"],
)
def test_open(now):
    status = HOURS.status(now)
    assert status == HoursStatus(open_now=True, closes_at=cph(2026, 3, 3, 16), next_open=None)
    assert describe(status, now) == "The servicedesk is open now, until 16:00."


def test_other_hours_are_described_without_leading_zero():
    hours = ServiceHours(opens=time(9, 30), closes=time(15, 0))
    now = cph(2026, 3, 3, 9, 0)
    assert describe(hours.status(now), now) == (
        "The servicedesk is closed now. It opens today at 9:30."
    )
    now = cph(2026, 3, 3, 9, 30)
    assert describe(hours.status(now), now) == "The servicedesk is open now, until 15:00."


# --- public holidays and extra closing days --------------------------------------


@pytest.mark.parametrize(
    ("hours", "now", "next_open", "sentence"),
    [
        # Christmas Eve evening: Christmas Day, Second Day and the weekend follow.
        (HOURS, cph(2026, 12, 24, 18), cph(2026, 12, 28, 8), "It opens Monday at 8:00."),
        (HOURS, cph(2026, 12, 25, 10), cph(2026, 12, 28, 8), "It opens Monday at 8:00."),
        # Easter: Maundy Thursday to Easter Monday, six days to Tuesday.
        (HOURS, cph(2026, 4, 1, 18), cph(2026, 4, 7, 8), "It opens Tuesday at 8:00."),
        (HOURS, cph(2026, 4, 6, 10), cph(2026, 4, 7, 8), "It opens tomorrow at 8:00."),
        (
            ServiceHours(extra_closed=frozenset({date(2026, 12, 24)})),
            cph(2026, 12, 23, 18),
            cph(2026, 12, 28, 8),
            "It opens Monday at 8:00.",
        ),
        (
            ServiceHours(holiday_country=""),
            cph(2026, 12, 24, 18),
            cph(2026, 12, 25, 8),
            "It opens tomorrow at 8:00.",
        ),
    ],
    ids=[
        "christmas-eve",
        "christmas-day",
        "easter",
        "easter-monday",
        "extra-closed",
        "no-holidays",
    ],
)
def test_holidays_are_skipped(hours, now, next_open, sentence):
    status = hours.status(now)
    assert not status.open_now
    assert status.next_open == next_open
    assert describe(status, now) == f"The servicedesk is closed now. {sentence}"


def test_holiday_during_opening_hours_is_closed():
    assert not HOURS.status(cph(2026, 12, 25, 10)).open_now


@pytest.mark.parametrize(
    ("hours", "now", "next_open", "sentence"),
    [
        # Closed over Christmas and New Year: 1 January 2026 is a holiday too.
        (
            ServiceHours(extra_closed=days(date(2025, 12, 22), date(2025, 12, 31))),
            cph(2025, 12, 19, 17),
            cph(2026, 1, 2, 8),
            "It opens on Friday 2 January at 8:00.",
        ),
        # Exactly a week ahead the weekday alone would be ambiguous.
        (
            ServiceHours(extra_closed=days(date(2026, 3, 3), date(2026, 3, 6))),
            cph(2026, 3, 2, 17),
            cph(2026, 3, 9, 8),
            "It opens on Monday 9 March at 8:00.",
        ),
    ],
    ids=["christmas-closure", "one-week-ahead"],
)
def test_far_away_opening_names_the_date(hours, now, next_open, sentence):
    status = hours.status(now)
    assert status.next_open == next_open
    assert describe(status, now) == f"The servicedesk is closed now. {sentence}"


# From Monday 2 March 2026 after closing, the search covers the rest of today
# and the next 366 days, up to and including Wednesday 3 March 2027.
@pytest.mark.parametrize(
    ("closed_until", "next_open"),
    [
        (date(2027, 3, 2), cph(2027, 3, 3, 8)),
        (date(2027, 3, 3), None),
    ],
)
def test_search_stops_after_366_days(closed_until, next_open):
    hours = ServiceHours(
        weekdays=frozenset(range(7)),
        holiday_country="",
        extra_closed=days(date(2026, 3, 3), closed_until),
    )
    assert hours.status(cph(2026, 3, 2, 17)).next_open == next_open


def test_never_open():
    now = cph(2026, 3, 3, 10)
    status = ServiceHours(weekdays=frozenset()).status(now)
    assert status == HoursStatus(open_now=False, closes_at=None, next_open=None)
    assert describe(status, now) == "The servicedesk has no opening hours in the coming year."


# --- time zones and daylight saving ----------------------------------------------


@pytest.mark.parametrize(
    ("now", "next_open", "offset_before", "offset_after"),
    [
        # Summer time ends Sunday 25 October 2026.
        (cph(2026, 10, 23, 18), cph(2026, 10, 26, 8), 2, 1),
        # Summer time starts Sunday 29 March 2026.
        (cph(2026, 3, 27, 18), cph(2026, 3, 30, 8), 1, 2),
    ],
    ids=["autumn", "spring"],
)
def test_opening_stays_at_8_across_dst_switch(now, next_open, offset_before, offset_after):
    friday_morning = HOURS.status(now.replace(hour=10))
    assert friday_morning.closes_at.utcoffset() == timedelta(hours=offset_before)

    status = HOURS.status(now)
    assert status.next_open == next_open
    assert status.next_open.hour == 8
    assert status.next_open.utcoffset() == timedelta(hours=offset_after)
    assert describe(status, now) == "The servicedesk is closed now. It opens Monday at 8:00."


def test_dst_result_in_utc():
    status = HOURS.status(cph(2026, 10, 23, 18))
    assert status.next_open.astimezone(UTC) == utc(2026, 10, 26, 7)


@pytest.mark.parametrize(
    ("now", "open_now"),
    [
        (utc(2026, 6, 16, 6, 30), True),  # 8:30 summer time
        (utc(2026, 6, 16, 5, 59), False),  # 7:59 summer time
        (utc(2026, 6, 16, 13, 59), True),  # 15:59 summer time
        (utc(2026, 6, 16, 14, 0), False),  # 16:00 summer time
        (utc(2026, 1, 6, 7, 0), True),  # 8:00 winter time
        (utc(2026, 1, 6, 6, 59), False),  # 7:59 winter time
        (datetime(2026, 3, 3, 2, 0, tzinfo=ZoneInfo("America/New_York")), True),  # 8:00
    ],
)
def test_now_in_other_time_zones_is_converted(now, open_now):
    assert HOURS.status(now).open_now is open_now


def test_status_is_given_in_local_time():
    status = HOURS.status(utc(2026, 6, 16, 6, 30))
    assert status.closes_at.tzinfo == CPH
    assert (status.closes_at.hour, status.closes_at.minute) == (16, 0)


def test_describe_uses_the_local_date_of_now():
    # 23:30 UTC on Sunday is already Monday 0:30 in Copenhagen.
    now = utc(2026, 10, 25, 23, 30)
    status = HOURS.status(now)
    assert status.next_open == cph(2026, 10, 26, 8)
    assert describe(status, now) == "The servicedesk is closed now. It opens today at 8:00."


def test_naive_datetime_is_refused():
    naive = datetime(2026, 3, 3, 10, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        HOURS.status(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        describe(HOURS.status(cph(2026, 3, 3, 20)), naive)


# --- wording ------------------------------------------------------------------


DANISH = {
    "open_until": "Servicedesken er åben nu, indtil kl. {time}.",
    "closed_opens": "Servicedesken er lukket nu. Den åbner {when} kl. {time}.",
    "no_opening": "Servicedesken har ingen åbningstider det kommende år.",
    "today": "i dag",
    "tomorrow": "i morgen",
    "this_week": "på {weekday}",
    "later": "{weekday} den {day}. {month}",
    "weekday_names": "mandag,tirsdag,onsdag,torsdag,fredag,lørdag,søndag",
    "month_names": (
        "januar,februar,marts,april,maj,juni,juli,august,september,oktober,november,december"
    ),
}


@pytest.mark.parametrize(
    ("hours", "now", "sentence"),
    [
        (HOURS, cph(2026, 3, 3, 10), "Servicedesken er åben nu, indtil kl. 16:00."),
        (HOURS, cph(2026, 3, 6, 17), "Servicedesken er lukket nu. Den åbner på mandag kl. 8:00."),
        (
            ServiceHours(extra_closed=days(date(2025, 12, 22), date(2025, 12, 31))),
            cph(2025, 12, 19, 17),
            "Servicedesken er lukket nu. Den åbner fredag den 2. januar kl. 8:00.",
        ),
    ],
)
def test_describe_in_another_language(hours, now, sentence):
    assert describe(hours.status(now), now, DANISH) == sentence


def test_phrases_override_only_what_they_name():
    now = cph(2026, 3, 3, 20)
    sentence = describe(HOURS.status(now), now, {"tomorrow": "tomorrow morning"})
    assert sentence == "The servicedesk is closed now. It opens tomorrow morning at 8:00."


@pytest.mark.parametrize(
    ("value", "text"),
    [(time(8, 0), "8:00"), (time(16, 0), "16:00"), (time(9, 30), "9:30"), (time(0, 5), "0:05")],
)
def test_format_time(value, text):
    assert format_time(value) == text
    assert format_time(datetime.combine(date(2026, 3, 3), value, tzinfo=CPH)) == text


# --- configuration ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"opens": time(16), "closes": time(8)}, "before closing"),
        ({"opens": time(8), "closes": time(8)}, "before closing"),
        ({"weekdays": frozenset({7})}, "weekdays"),
        ({"timezone": "Europe/Nowhere"}, "time zone"),
        ({"holiday_country": "XX"}, "country"),
    ],
)
def test_bad_configuration_fails_early(settings, message):
    with pytest.raises(ValueError, match=message):
        ServiceHours(**settings)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00", time(8, 0)),
        ("8:00", time(8, 0)),
        ("16:30", time(16, 30)),
        (" 09:15 ", time(9, 15)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["", "8", "8.00", "08:00:00", "24:00", "12:60", "ab:cd", "-1:00"])
def test_parse_time_refuses_bad_input(text):
    with pytest.raises(ValueError, match="invalid time"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("MON-Fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("mon, wed , fri", {0, 2, 4}),
        ("mon-sat", {0, 1, 2, 3, 4, 5}),
        ("sun", {6}),
        ("mon - tue,thu", {0, 1, 3}),
        ("sat-mon", {5, 6, 0}),
        ("mon-mon", {0}),
    ],
)
def test_parse_weekdays(text, expected):
    assert parse_weekdays(text) == frozenset(expected)


@pytest.mark.parametrize(
    "text", ["", "monday", "mon-", "-fri", "mon-fri-sat", "mon,,fri", "mo-fr", "1-5"]
)
def test_parse_weekdays_refuses_bad_input(text):
    with pytest.raises(ValueError, match="invalid weekday"):
        parse_weekdays(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-24,2026-12-31", {date(2026, 12, 24), date(2026, 12, 31)}),
        ("2026-12-24", {date(2026, 12, 24)}),
        (" 2026-12-24 , 2026-12-31 ", {date(2026, 12, 24), date(2026, 12, 31)}),
        ("", set()),
        ("   ", set()),
    ],
)
def test_parse_dates(text, expected):
    assert parse_dates(text) == frozenset(expected)


@pytest.mark.parametrize(
    "text", ["24/12/2026", "2026-13-01", "2026-02-30", "2026-12-24,", "2026-12-24,,2026-12-31", "x"]
)
def test_parse_dates_refuses_bad_input(text):
    with pytest.raises(ValueError, match="invalid date"):
        parse_dates(text)


def test_parsed_configuration_builds_service_hours():
    hours = ServiceHours(
        opens=parse_time("09:00"),
        closes=parse_time("15:00"),
        weekdays=parse_weekdays("mon-thu"),
        extra_closed=parse_dates("2026-12-24"),
    )
    assert not hours.is_open_day(date(2026, 3, 6))  # Friday
    assert not hours.is_open_day(date(2026, 12, 24))
    assert hours.status(cph(2026, 3, 5, 14, 59)).open_now
