"""Admin page for one person's data (GDPR): look them up, download the export, erase them.

Every step is a POST with the console's CSRF token, and the key travels in the form, never in a
URL (URLs end up in proxies' logs and the browser's history). Looking up changes nothing; the
export and the erasure are written to the security log by bot/privacy/. Erasing shows what
will go and asks once more before it happens.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from bot.console.web import admin_required, current_agent, form_text, now, settings, source
from bot.privacy import KINDS
from bot.privacy.erase import Actor, count, erase_person, record_export
from bot.privacy.export import export_json
from bot.privacy.lookup import MAX_KEY_CHARS, BadKey, Person, Stores, find_person, open_stores

blueprint = Blueprint("privacy", __name__)


def _stores() -> Any:
    return open_stores(settings().resolved_database_url, settings().resolved_tracker_store_url)


def _person(stores: Stores) -> Person:
    """The person the posted form names; 400 with the reason for a key that names nobody."""
    key = form_text("key", MAX_KEY_CHARS)
    by = request.form.get("by") or None
    if by is not None and by not in KINDS:
        abort(400, description=f"Unknown kind of key {by!r}; use one of: {', '.join(KINDS)}.")
    try:
        return find_person(stores, key, by, settings().ruc_email_domain)
    except BadKey as error:
        abort(400, description=f"That key cannot be looked up: {error}.")


def _actor() -> Actor:
    agent = current_agent()
    return Actor(agent.username, source(), agent)


def _page(template: str, **values: Any) -> Any:
    return render_template(template, kinds=KINDS, max_key_chars=MAX_KEY_CHARS, **values)


@blueprint.get("/admin/person")
@admin_required
def form() -> Any:
    return _page("person.html")


@blueprint.post("/admin/person")
@admin_required
def look_up() -> Any:
    with _stores() as stores:
        person = _person(stores)
        return _page("person.html", person=person, counts=count(stores, person))


@blueprint.post("/admin/person/export")
@admin_required
def export() -> Any:
    with _stores() as stores:
        person = _person(stores)
        document = export_json(stores, person, now())
        record_export(stores, person, _actor(), now())
    name = f"person-export-{now():%Y%m%d-%H%M%S}.json"
    return (
        document,
        200,
        {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


@blueprint.post("/admin/person/erase")
@admin_required
def erase() -> Any:
    with _stores() as stores:
        person = _person(stores)
        if request.form.get("confirm") != "yes":
            return _page("person_confirm.html", person=person, counts=count(stores, person))
        erased = erase_person(stores, person, _actor(), now())
    flash(f"Erased {erased.summary()}.")
    return redirect(url_for("privacy.form"), code=303)
