"""Server-side console sessions: the cookie holds a random token, the database says if it is good.

A signed cookie alone cannot be taken back: a copy made before signing out would work until
it expires. With a row per sign-in, signing out, an admin's reset-totp or disable, and a new
password end the session everywhere at once, and a token the table does not know is nobody.
No web code here, so the rules are tested with fixed clocks like ``bot.console.auth``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.console.models import ConsoleSession

_TOKEN_BYTES = 32


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(
    session: Session,
    agent_id: int,
    now: datetime,
    lifetime: timedelta,
    *,
    signed_in: bool,
    enrol_secret: str | None = None,
) -> str:
    """A new session row; returns the token for the cookie (only its hash is stored).

    ``signed_in`` False is the step between password and code; ``enrol_secret`` is already
    sealed. Expired rows of anybody are deleted on the way: they can never sign in again.
    """
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    session.add(
        ConsoleSession(
            token_hash=_digest(token),
            agent_id=agent_id,
            created_at=now,
            expires_at=now + lifetime,
            signed_in_at=now if signed_in else None,
            enrol_secret=enrol_secret,
        )
    )
    session.commit()
    return token


def find(session: Session, token: object, now: datetime) -> ConsoleSession | None:
    """The live session of ``token``; None when unknown, revoked, expired or not a token."""
    if not isinstance(token, str) or not token:
        return None
    row = session.execute(
        select(ConsoleSession).where(ConsoleSession.token_hash == _digest(token))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or now >= row.expires_at:
        return None
    return row


def revoke(row: ConsoleSession, now: datetime) -> None:
    """End one session (the caller commits)."""
    row.revoked_at = now
    row.enrol_secret = None


def revoke_all(session: Session, agent_id: int, now: datetime) -> None:
    """End every session of an agent, signed in or half-way (the caller commits)."""
    session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.agent_id == agent_id, ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=now, enrol_secret=None)
        .execution_options(synchronize_session=False)
    )
