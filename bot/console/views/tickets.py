"""Ticket pages: the list with filters and search, one ticket, and the agent's three steps.

Every step goes through ``bot.tickets.store``, which writes the audit log; these views only
check the form and show the result. Steps answer with a redirect (reloading the page does not
post twice); a step the ticket's state does not allow shows the ticket with the reason.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from bot.console import present
from bot.console.web import current_agent, db, form_text, login_required, now
from bot.tickets import store
from bot.tickets.models import Ticket
from bot.tickets.store import TicketStateError

blueprint = Blueprint("tickets", __name__)

MAX_SEARCH_CHARS = 200
MAX_NOTE_CHARS = 10_000


@blueprint.get("/")
def home() -> Any:
    return redirect(url_for("tickets.index"))


@blueprint.get("/tickets")
@login_required
def index() -> Any:
    status = request.args.get("status", "active")
    if status not in present.STATUS_FILTERS:
        choices = ", ".join(present.STATUS_FILTERS)
        abort(400, description=f"Unknown status filter {status!r}; use one of: {choices}.")
    search = request.args.get("q", "").strip()
    if len(search) > MAX_SEARCH_CHARS:
        abort(400, description=f"The search is longer than {MAX_SEARCH_CHARS} characters.")
    tickets = present.find_tickets(db(), status, search)
    return render_template(
        "tickets.html",
        tickets=tickets,
        status=status,
        search=search,
        filters=present.STATUS_LABELS,
        limit=present.LIST_LIMIT,
    )


def _ticket(reference: str) -> Ticket:
    ticket = store.get_by_reference(db(), reference)
    if ticket is None:
        abort(404)
    return ticket


def _ticket_page(ticket: Ticket, error: str | None = None, status: int = 200) -> Any:
    page = render_template(
        "ticket.html",
        ticket=ticket,
        transcript=present.transcript(ticket),
        events=store.events(db(), ticket),
        actor_name=present.actor_name,
        agent=current_agent(),
        error=error,
    )
    return page, status


def _back(ticket: Ticket, message: str) -> Any:
    flash(message)
    return redirect(url_for("tickets.show", reference=ticket.reference), code=303)


@blueprint.get("/tickets/<reference>")
@login_required
def show(reference: str) -> Any:
    """The ticket, once this sign-in has opened it (a POST); before that, only its "Open" button.

    A GET writes nothing (a link on another site could make an agent's browser follow it), yet
    the audit log still says who looked at the personal data: the first look of a sign-in goes
    through ``open_ticket``.
    """
    ticket = _ticket(reference)
    if reference != ticket.reference:
        return redirect(url_for("tickets.show", reference=ticket.reference))
    events = store.events(db(), ticket)
    signed_in_at = g.console_session.signed_in_at
    if not present.viewed_since(events, current_agent().username, signed_in_at):
        return render_template("open_ticket.html", ticket=ticket)
    return _ticket_page(ticket)


@blueprint.post("/tickets/<reference>/open")
@login_required
def open_ticket(reference: str) -> Any:
    """Log that the agent opened the ticket (personal data looked at, and by whom), then show it."""
    ticket = _ticket(reference)
    store.record_view(db(), ticket, current_agent().username, now())
    return redirect(url_for("tickets.show", reference=ticket.reference), code=303)


@blueprint.post("/tickets/<reference>/claim")
@login_required
def claim(reference: str) -> Any:
    ticket = _ticket(reference)
    try:
        store.claim(db(), ticket, current_agent().username, now())
    except TicketStateError:
        db().rollback()
        return _ticket_page(ticket, f"{ticket.reference} is resolved; it cannot be claimed.", 409)
    return _back(ticket, f"You have claimed {ticket.reference}.")


@blueprint.post("/tickets/<reference>/note")
@login_required
def note(reference: str) -> Any:
    ticket = _ticket(reference)
    text = form_text("text", MAX_NOTE_CHARS)
    if not text:
        return _ticket_page(ticket, "The note is empty: write what happened, then add it.", 400)
    store.add_note(db(), ticket, current_agent().username, text, now())
    return _back(ticket, "Your note has been added.")


@blueprint.post("/tickets/<reference>/resolve")
@login_required
def resolve(reference: str) -> Any:
    ticket = _ticket(reference)
    checked = request.form.get("identity_verified")
    if checked not in (None, "yes"):
        abort(400, description="identity_verified must be 'yes' or left out.")
    text = form_text("note", MAX_NOTE_CHARS) if "note" in request.form else ""
    try:
        store.resolve(db(), ticket, current_agent().username, checked == "yes", text, now())
    except TicketStateError:
        db().rollback()
        return _ticket_page(ticket, f"{ticket.reference} is already resolved.", 409)
    verified = "with" if checked == "yes" else "WITHOUT"
    return _back(ticket, f"{ticket.reference} is resolved ({verified} a photo ID check).")
