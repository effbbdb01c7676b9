"""Admin pages: the agents' security log, so sign-in failures and lock-outs are seen at all.

Read-only and for admins only (``python -m bot agent grant-admin``). The log never holds a
password or a code (only the reason a step failed), so the page cannot show one either.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from bot.console import auth
from bot.console.web import admin_required, db

blueprint = Blueprint("admin", __name__)

PAGE_SIZE = 50


@blueprint.get("/admin/events")
@admin_required
def events() -> Any:
    """Newest first, ``PAGE_SIZE`` at a time; ``?before=<id>`` pages back (stable while new
    events arrive, unlike an offset)."""
    raw = request.args.get("before", "")
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        abort(400, description="before must be an event number.")
    before = int(raw) if raw else None
    found = auth.recent_events(db(), before, PAGE_SIZE + 1)
    page, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    return render_template(
        "admin_events.html",
        events=page,
        older=page[-1].id if more else None,
        paged=before is not None,
    )
