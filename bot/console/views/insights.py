"""The insights page (``/insights``) and its CSV files, for content owners only.

Figures are read from the tracker database (bot/insights/source.py), where the conversations
are; the filters come from the query string (GET: the page changes nothing), and bad filters
get the form back with the reason and a 400, never a traceback.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, cast

from flask import Blueprint, abort, current_app, render_template, request

from bot.console.web import content_owner_required, db, now, settings
from bot.hours import ServiceHours, format_time
from bot.insights import present, review
from bot.insights.figures import Figures
from bot.insights.filters import CHANNELS, LANGUAGES, FilterError, Filters, parse_filters
from bot.insights.source import Source

blueprint = Blueprint("insights", __name__)
SOURCE = "mfa_insights_source"
FIELDS = ("from", "to", "language", "channel")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _source() -> Source:
    """This app's engine on the tracker database, opened at its first page."""
    extensions = current_app.extensions
    if SOURCE not in extensions:
        extensions[SOURCE] = Source(settings().resolved_tracker_store_url)
    return cast(Source, extensions[SOURCE])


def _opening(hours: ServiceHours) -> str:
    days = sorted(hours.weekdays)
    named = ", ".join(WEEKDAY_NAMES[day] for day in days)
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        named = f"{WEEKDAY_NAMES[days[0]]}-{WEEKDAY_NAMES[days[-1]]}"
    return f"{named} {format_time(hours.opens)}-{format_time(hours.closes)}"


def _filters() -> Filters:
    hours = settings().service_hours
    return parse_filters(request.args, now().astimezone(hours.zone).date())


def review_queue_counts() -> Future[tuple[int, int]]:
    """(pending, reviewed): the review queue's messages waiting and marked (bot/insights/
    review.py), shown by ``present.review_queue_note``. Counted on the source's second
    thread while this one reads the figures; the request's session is not touched here
    meanwhile."""
    source, session = _source(), db()
    return source.pool.submit(review.queue_counts, source.engine, session)


def _figures(filters: Filters) -> Figures:
    return _source().figures(filters, settings().service_hours)


@blueprint.get("/insights")
@content_owner_required
def page() -> Any:
    hours = settings().service_hours
    try:
        filters = _filters()
    except FilterError as error:
        form = {
            key: request.args.get(key, "")[:40] for key in ("from", "to", "language", "channel")
        }
        return render_template("insights.html", error=str(error), form=form, **_choices()), 400
    counting = review_queue_counts()
    try:
        figures = _figures(filters)
    finally:
        counts = counting.result()  # the session is the request's again only after this
    return render_template(
        "insights.html",
        figures=figures,
        total=figures.activity.total,
        ratings=figures.ratings,
        sections=present.sections(figures, _opening(hours)),
        form=filters.query_args(),
        args=filters.query_args(),
        review_queue=present.review_queue_note(*counts),
        **_choices(),
    )


def _choices() -> dict[str, Any]:
    return {"languages": LANGUAGES, "channels": CHANNELS, "shown": present.shown}


@blueprint.get("/insights/<name>.csv")
@content_owner_required
def download(name: str) -> Any:
    if name not in present.SECTIONS:
        abort(404)
    try:
        filters = _filters()
    except FilterError as error:
        abort(400, description=str(error))
    opening = _opening(settings().service_hours)
    section = present.SECTIONS[name](_figures(filters), opening)
    filename = f"insights-{name}-{filters.start}-{filters.end}.csv"
    return (
        present.csv_text(section),
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )
