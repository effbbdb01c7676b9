"""Tables of the servicedesk tickets; their layout is owned by migrations/versions/0002.

Three tables: the ticket itself, its audit log (who did what, when: the servicedesk must be able
to show that identity was checked before an MFA method was changed), and the outbox of
notifications still to deliver.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)

from bot.db import Base, UtcDateTime

STATUSES = ("open", "claimed", "resolved")
CONTACT_PREFERENCES = ("call", "visit")
EVENT_KINDS = (
    "created",
    "claimed",
    "note",
    "resolved",
    "delivered",
    "delivery_failed",
    "viewed",
    "anonymised",  # the person's data erased, the open ticket kept (bot/privacy/erase.py)
)
CHANNELS = ("email", "webhook")

REFERENCE_PREFIX = "MFA-"
# Ids are INTEGER (32-bit signed on PostgreSQL): a bigger number cannot be a ticket, and passing
# it to the database would raise rather than find nothing.
_MAX_ID = 2**31 - 1
# Copied references arrive with odd spacing and typographic dashes (mail clients, phones).
_REFERENCE = re.compile(r"MFA[-\u2010\u2011\u2012\u2013\u2014\u2212]?([0-9]{1,10})", re.IGNORECASE)


class Ticket(Base):
    """A request for the servicedesk, created by the assistant and worked by an agent."""

    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    # sha256 hex of the conversation id (bot.db.conversation_key): the raw id is never stored.
    conversation_key = Column(String(64), nullable=False, index=True)
    # sha256 hex of the caller's key (store.stored_idempotency_key), so a retried action cannot
    # make a second ticket and a key built from the sender id does not store that id.
    idempotency_key = Column(String(128), nullable=False, unique=True)
    channel = Column(String(32), nullable=False)
    name = Column(String(200), nullable=False)
    # RUC username or e-mail address, as the person gave it.
    username = Column(String(200), nullable=False)
    phone = Column(String(40), nullable=True)
    summary = Column(Text, nullable=False)
    contact_preference = Column(String(16), nullable=False)
    urgent = Column(Boolean, nullable=False, default=False, server_default=false())
    status = Column(String(16), nullable=False, default="open", index=True)
    # JSON list of {"who": "user" | "bot", "text": str}, redacted by the caller before it comes.
    transcript = Column(Text, nullable=False, default="[]")
    created_at = Column(UtcDateTime, nullable=False)
    updated_at = Column(UtcDateTime, nullable=False)
    claimed_by = Column(String(100), nullable=True)
    resolved_at = Column(UtcDateTime, nullable=True)
    # Stated by the agent who resolved the ticket; False until then.
    identity_verified = Column(Boolean, nullable=False, default=False, server_default=false())

    @property
    def reference(self) -> str:
        """What people quote on the phone and in mail subjects, e.g. ``MFA-000123``."""
        return f"{REFERENCE_PREFIX}{self.id:06d}"

    @staticmethod
    def parse_reference(reference: str) -> int | None:
        """The ticket id in a reference such as ``mfa - 000123``; None when it is not one."""
        if not isinstance(reference, str):
            return None
        match = _REFERENCE.fullmatch(re.sub(r"\s+", "", reference))
        if match is None:
            return None
        number = int(match.group(1))
        return number if 0 < number <= _MAX_ID else None

    @property
    def transcript_lines(self) -> list[dict[str, str | None]]:
        """The transcript as a list; a damaged value becomes one line rather than an error.

        Notifications must still go out when the stored JSON is unexpected, so this never raises.
        """
        try:
            lines: Any = json.loads(self.transcript or "[]")
        except ValueError:
            return [{"who": "bot", "text": str(self.transcript), "at": None}]
        if not isinstance(lines, list):
            return [{"who": "bot", "text": str(lines), "at": None}]
        return [
            {
                "who": str(line.get("who", "")),
                "text": str(line.get("text", "")),
                "at": line.get("at"),
            }
            if isinstance(line, dict)
            else {"who": "", "text": str(line), "at": None}
            for line in lines
        ]

    def __repr__(self) -> str:
        # Without personal data: reprs end up in tracebacks and logs.
        reference = self.reference if self.id is not None else "MFA-(new)"
        return f"Ticket({reference}, status={self.status}, channel={self.channel})"


class TicketEvent(Base):
    """One line of a ticket's audit log; rows are only ever added."""

    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    at = Column(UtcDateTime, nullable=False)
    # "assistant", "agent:<username>" or "outbox".
    actor = Column(String(100), nullable=False)
    kind = Column(String(32), nullable=False)
    detail = Column(Text, nullable=False, default="")

    def __repr__(self) -> str:
        return f"TicketEvent(ticket_id={self.ticket_id}, kind={self.kind}, actor={self.actor})"


class OutboxMessage(Base):
    """A notification of a ticket on one channel, kept until delivered (and afterwards).

    One row per ticket and channel, whatever happens: the unique constraint is what stops a
    retried action or a second worker from queueing (and so sending) a ticket twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("ticket_id", "channel", name="uq_outbox_ticket_id_channel"),
        # The worker's question: which pending messages are due?
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False)
    channel = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0, server_default=text("0"))
    next_attempt_at = Column(UtcDateTime, nullable=False)
    last_error = Column(Text, nullable=True)
    created_at = Column(UtcDateTime, nullable=False)
    sent_at = Column(UtcDateTime, nullable=True)

    def __repr__(self) -> str:
        return (
            f"OutboxMessage(ticket_id={self.ticket_id}, channel={self.channel}, "
            f"status={self.status}, attempts={self.attempts})"
        )
