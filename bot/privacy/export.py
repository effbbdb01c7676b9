"""A person's data as one JSON document: what the assistant holds about them, as it holds it.

Conversations are exported as stored (already redacted at rest: bot/safety.py), every session;
tickets with their audit log and outbox rows; the rows other features keep per message
(bot/privacy/linked.py). A practice secret's throwaway TOTP key is left out: it is a credential
that expires within minutes, not information about the person; when it was made, when it
expires and the wrong tries are in.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.onboarding.practice_store import PracticeSecret
from bot.privacy import linked
from bot.privacy.lookup import Person, Stores
from bot.rasa_ext import events_table
from bot.tickets import store
from bot.tickets.models import OutboxMessage, Ticket

FORMAT = "ruc-mfa-assistant/person-export/1"


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _ticket(session: Session, ticket: Ticket) -> dict[str, Any]:
    outbox = sa.select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)
    return {
        "reference": ticket.reference,
        "status": ticket.status,
        "channel": ticket.channel,
        "name": ticket.name,
        "username": ticket.username,
        "phone": ticket.phone,
        "summary": ticket.summary,
        "contact_preference": ticket.contact_preference,
        "urgent": ticket.urgent,
        "transcript": ticket.transcript_lines,
        "created_at": _time(ticket.created_at),
        "updated_at": _time(ticket.updated_at),
        "claimed_by": ticket.claimed_by,
        "resolved_at": _time(ticket.resolved_at),
        "identity_verified": ticket.identity_verified,
        "events": [
            {
                "at": _time(event.at),
                "actor": event.actor,
                "kind": event.kind,
                "detail": event.detail,
            }
            for event in store.events(session, ticket)
        ],
        "outbox": [
            {
                "channel": message.channel,
                "status": message.status,
                "attempts": message.attempts,
                "created_at": _time(message.created_at),
                "sent_at": _time(message.sent_at),
                "last_error": message.last_error,
            }
            for message in session.execute(outbox.order_by(OutboxMessage.id)).scalars()
        ],
    }


def export_person(stores: Stores, person: Person, now: datetime) -> dict[str, Any]:
    """Everything stored about ``person``, as plain JSON values."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "exported_at": now.isoformat(),
        "key": {"kind": person.key.kind, "value": person.key.value},
    }
    with stores.tracker.connect() as tracker, stores.session() as session:
        has_events = events_table.exists(stores.tracker)
        document["conversations"] = [
            {
                "sender_id": sender,
                "events": events_table.all_events(tracker, sender) if has_events else [],
            }
            for sender in person.senders
        ]
        for table in linked.LINKED_TABLES:
            connection = tracker if table.database == linked.TRACKER else session.connection()
            document[table.name] = linked.rows(connection, table.name, person.senders)
        secrets = sa.select(PracticeSecret).where(
            PracticeSecret.conversation_key.in_(person.conversation_keys)
        )
        document["practice_secrets"] = [
            {
                "created_at": _time(secret.created_at),
                "expires_at": _time(secret.expires_at),
                "failed_attempts": secret.failed_attempts,
            }
            for secret in session.execute(secrets).scalars()
        ]
        tickets = sa.select(Ticket).where(Ticket.id.in_(person.ticket_ids)).order_by(Ticket.id)
        document["tickets"] = [_ticket(session, t) for t in session.execute(tickets).scalars()]
    return document


def export_json(stores: Stores, person: Person, now: datetime) -> str:
    """The export as the file people get: indented UTF-8 JSON, Danish letters as they are."""
    return json.dumps(export_person(stores, person, now), ensure_ascii=False, indent=2) + "\n"
