"""Turning stored tickets into what the console pages show, without trusting their shape.

The transcript is JSON written by the assistant, possibly by an older or newer version of it:
lines may say ``who`` ("user"/"bot") or ``role`` ("user"/"assistant") and may carry an ``at``.
Whatever arrives is shown as text (templates escape it) rather than failing the page an agent
needs to help someone.

Times are shown one way everywhere (``local_time``, the templates' ``local`` filter).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from bot.tickets import store
from bot.tickets.models import Ticket, TicketEvent

# Status filters of the ticket list; "active" (not resolved) is what agents work from.
STATUS_FILTERS: dict[str, tuple[str | None, ...]] = {
    "active": ("open", "claimed"),
    "open": ("open",),
    "claimed": ("claimed",),
    "resolved": ("resolved",),
    "all": (None,),
}
STATUS_LABELS = {
    "active": "Not resolved",
    "open": "Open",
    "claimed": "Claimed",
    "resolved": "Resolved",
    "all": "All",
}
LIST_LIMIT = 200
_SPEAKERS = {"user": "User", "human": "User", "bot": "Assistant", "assistant": "Assistant"}
_MAX_LINE_CHARS = 20_000


@dataclass(frozen=True)
class TranscriptLine:
    speaker: str
    text: str
    at: str
    from_user: bool


def _line(raw: Any) -> TranscriptLine:
    if not isinstance(raw, dict):
        return TranscriptLine("", _text(raw), "", False)
    who = str(raw.get("role", raw.get("who", "")) or "").strip().lower()
    speaker = _SPEAKERS.get(who, who.capitalize())
    return TranscriptLine(
        speaker, _text(raw.get("text", "")), _text(raw.get("at") or ""), who in ("user", "human")
    )


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text[:_MAX_LINE_CHARS]


def transcript(ticket: Ticket) -> list[TranscriptLine]:
    """The ticket's conversation, line by line; damaged JSON becomes one line of raw text."""
    try:
        lines: Any = json.loads(ticket.transcript or "[]")
    except ValueError:
        return [TranscriptLine("", _text(ticket.transcript), "", False)]
    if not isinstance(lines, list):
        lines = [lines]
    return [_line(line) for line in lines]


def actor_name(actor: str) -> str:
    """``agent:anna`` as ``anna``; the assistant and the outbox as themselves."""
    return actor.split(":", 1)[1] if actor.startswith("agent:") else actor


def viewed_since(events: Iterable[TicketEvent], username: str, since: datetime) -> bool:
    """Whether ``username`` opened the ticket (a "viewed" event) at ``since`` or later."""
    return any(
        event.kind == "viewed"
        and event.actor.startswith("agent:")
        and actor_name(event.actor) == username
        and event.at >= since
        for event in events
    )


def find_tickets(session: Session, status_filter: str, search: str) -> list[Ticket]:
    """Tickets for the list page: unresolved urgent ones first, then newest first."""
    found: list[Ticket] = []
    for status in STATUS_FILTERS[status_filter]:
        found.extend(store.list_tickets(session, status=status, search=search, limit=LIST_LIMIT))
    return sort_for_list(found)


def sort_for_list(tickets: Iterable[Ticket]) -> list[Ticket]:
    newest_first = sorted(tickets, key=lambda t: (t.created_at, t.id), reverse=True)
    # Stable: urgent and unresolved to the top, newest first within each group.
    return sorted(newest_first, key=lambda t: not (t.urgent and t.status != "resolved"))


def local_time(value: datetime | str | None, zone: ZoneInfo) -> Markup:
    """A time as the servicedesk reads it, the same on every page: its own time zone, to the
    minute ("2026-12-06 16:47"), in a ``<time>`` element whose ``datetime`` attribute and
    tooltip hold the exact UTC value.

    Stored times are aware datetimes; a transcript's ``at`` is text in ISO 8601 (a time without
    a zone is UTC, as the assistant writes them). Text that is no time is shown as it is.
    """
    if value is None or value == "":
        return Markup("")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return escape(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    exact = value.astimezone(timezone.utc).isoformat()
    shown = value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return Markup('<time datetime="{0}" title="{0}">{1}</time>').format(exact, shown)
