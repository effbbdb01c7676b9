"""Single sign-on to the console with the university's identity provider (Microsoft Entra ID,
or any OpenID Connect provider): who may sign in, and as what.

Authlib does the protocol (bot/console/views/sso.py): authorization code with PKCE, the state
and nonce kept in the signed session cookie, and the ID token checked against the provider's
published keys (JWKS), issuer, audience (our client id), nonce and expiry. What is decided
here: the groups in the token give the role (MFA_CONSOLE_SSO_AGENT_GROUPS, _ADMIN_GROUPS; in
neither: no entry), and an agent row is made at the first sign-in and kept in step afterwards,
keyed by the provider's stable subject, never by a name that can change. Such an agent has no
password and no TOTP secret of ours: the provider checked both factors. An admin can still
disable them locally (python -m bot agent disable), which single sign-on respects.

While single sign-on is on, local accounts sign in only as a break glass (MFA_CONSOLE_BREAK_GLASS):
admins only, for the day the provider is away.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.auth import hash_password, log_event, normalize_username
from bot.console.models import Agent
from bot.settings import Settings

PROVIDER = "university"
SCOPES = "openid profile email"


class Role(Enum):
    AGENT = "agent"
    ADMIN = "admin"


def enabled(settings: Settings) -> bool:
    return bool(settings.console_sso_issuer)


def _ids(setting: str) -> set[str]:
    return {part for part in setting.replace(",", " ").split() if part}


def role_for(groups: Iterable[Any], settings: Settings) -> Role | None:
    """The role the token's groups give, or None: not a member of a console group."""
    member = {str(group) for group in groups or ()}
    if member & _ids(settings.console_sso_admin_groups):
        return Role.ADMIN
    if member & _ids(settings.console_sso_agent_groups):
        return Role.AGENT
    return None


def subject_of(claims: Mapping[str, Any]) -> str:
    """Entra ID's object id (stable across the tenant's apps), else the token's subject."""
    return str(claims.get("oid") or claims["sub"])


def username_of(claims: Mapping[str, Any], subject: str) -> str:
    """The sign-in name (e.g. abc@ruc.dk) when it makes a username, else one from the subject."""
    for candidate in (claims.get("preferred_username"), claims.get("email")):
        try:
            return normalize_username(str(candidate or ""))
        except ValueError:
            continue
    return normalize_username(f"sso-{subject}"[:64])


def signed_in_agent(
    session: Session, claims: Mapping[str, Any], role: Role, now: datetime, source: str
) -> Agent:
    """The agent for these verified claims, made or brought up to date, the sign-in logged.

    A disabled agent is returned as it is (the caller refuses it); a local account that has
    the same username is never taken over: the single sign-on agent gets a name of its own.
    """
    subject = subject_of(claims)
    agent = session.execute(select(Agent).where(Agent.sso_subject == subject)).scalar_one_or_none()
    display_name = str(claims.get("name") or "").strip()[:200]
    if agent is None:
        username = username_of(claims, subject)
        if session.execute(select(Agent.id).where(Agent.username == username)).first():
            username = normalize_username(f"sso-{subject}"[:64])
        agent = Agent(
            username=username,
            display_name=display_name or username,
            # No password of ours: a random one nobody knows keeps the column's meaning.
            password_hash=hash_password(secrets.token_urlsafe(32)),
            failed_attempts=0,
            created_at=now,
            disabled=False,
            is_admin=False,
            sso_subject=subject,
        )
        session.add(agent)
        session.flush()
        log_event(session, agent, username, "created", now, source, "By single sign-on.")
    if display_name:
        agent.display_name = display_name
    admin = role is Role.ADMIN
    if agent.is_admin != admin:
        agent.is_admin = admin
        kind = "admin_granted" if admin else "admin_revoked"
        log_event(session, agent, agent.username, kind, now, source, "From the provider's groups.")
    if agent.disabled:
        kind, detail = "sign_in_refused", "Account disabled."
    else:
        agent.last_sign_in_at = now
        kind, detail = "signed_in", "Single sign-on."
    log_event(session, agent, agent.username, kind, now, source, detail)
    session.commit()
    return agent


def refused(session: Session, claims: Mapping[str, Any], now: datetime, source: str, why: str):
    """Log a single sign-on that verified but may not enter (no console group)."""
    subject = subject_of(claims)
    log_event(session, None, username_of(claims, subject), "sign_in_refused", now, source, why)
    session.commit()
