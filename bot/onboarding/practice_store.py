"""Server-side store of practice secrets, one per conversation.

The secret must not travel through slots or logs (trackers are kept for a long time and end up
in exports), so the action keeps it here, keyed by a hash of the conversation id. Each function
commits: each call is a complete step of the conversation, and the secret behind a QR code the
user is already scanning must not be lost to a forgotten commit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Column, Integer, String, delete, select, text, update
from sqlalchemy.orm import Session

from bot.db import Base, UtcDateTime, conversation_key
from bot.onboarding.practice import new_secret

log = logging.getLogger(__name__)


class PracticeSecret(Base):
    """A throwaway TOTP secret; the table layout is owned by migrations/versions/0001."""

    __tablename__ = "practice_secrets"

    id = Column(Integer, primary_key=True)
    conversation_key = Column(String(64), unique=True, nullable=False)
    secret = Column(String(64), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
    expires_at = Column(UtcDateTime, nullable=False)
    failed_attempts = Column(Integer, nullable=False, default=0, server_default=text("0"))

    def __repr__(self) -> str:
        # Deliberately without the secret: reprs end up in tracebacks and logs.
        return (
            f"PracticeSecret(conversation_key={self.conversation_key[:12]}..., "
            f"expires_at={self.expires_at}, failed_attempts={self.failed_attempts})"
        )


def _find(session: Session, key: str) -> PracticeSecret | None:
    query = select(PracticeSecret).where(PracticeSecret.conversation_key == key)
    return session.execute(query).scalar_one_or_none()


def start(session: Session, conversation_id: str, now: datetime, ttl: timedelta) -> str:
    """A fresh secret for the conversation, replacing any earlier one (a new QR, a new count)."""
    key = conversation_key(conversation_id)
    secret = new_secret()
    row = _find(session, key)
    if row is None:
        row = PracticeSecret(conversation_key=key)
        session.add(row)
    row.secret = secret
    row.created_at = now
    row.expires_at = now + ttl
    row.failed_attempts = 0
    session.commit()
    log.debug("Practice secret started for conversation %s...", key[:12])
    return secret


def current(session: Session, conversation_id: str, now: datetime) -> PracticeSecret | None:
    """The conversation's live secret; an expired one is deleted on the way and never returned."""
    key = conversation_key(conversation_id)
    row = _find(session, key)
    if row is None:
        return None
    if row.expires_at <= now:
        session.delete(row)
        session.commit()
        log.debug("Practice secret expired for conversation %s...", key[:12])
        return None
    return row


def record_failure(session: Session, conversation_id: str) -> int:
    """Count a wrong code; returns the attempts so far (0 when there is no secret to count on).

    One UPDATE rather than read-modify-write, so two quick messages cannot lose a count.
    """
    key = conversation_key(conversation_id)
    session.execute(
        update(PracticeSecret)
        .where(PracticeSecret.conversation_key == key)
        .values(failed_attempts=PracticeSecret.failed_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    attempts = session.execute(
        select(PracticeSecret.failed_attempts).where(PracticeSecret.conversation_key == key)
    ).scalar_one_or_none()
    return attempts or 0


def finish(session: Session, conversation_id: str) -> None:
    """Forget the secret once the practice is over: it has no use left and should not linger."""
    key = conversation_key(conversation_id)
    session.execute(
        delete(PracticeSecret)
        .where(PracticeSecret.conversation_key == key)
        .execution_options(synchronize_session="fetch")
    )
    session.commit()


def purge_expired(session: Session, now: datetime) -> int:
    """Delete every expired secret (abandoned conversations); returns how many went."""
    result = session.execute(
        delete(PracticeSecret)
        .where(PracticeSecret.expires_at <= now)
        .execution_options(synchronize_session="fetch")
    )
    session.commit()
    return result.rowcount
