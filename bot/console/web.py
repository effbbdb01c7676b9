"""Request helpers shared by the console's views: database session, clock, signed-in agent.

The agent is loaded from the database on every request rather than trusted from the cookie,
so disabling an agent or resetting their TOTP ends their sessions at the next click.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy.orm import Session

from bot.console.auth import Policy
from bot.console.models import Agent
from bot.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

# Endpoints that need neither the database nor a signed-in agent.
PUBLIC_ENDPOINTS = {"static", "health"}


def settings() -> Settings:
    return cast(Settings, current_app.extensions["mfa_settings"])


def policy() -> Policy:
    return Policy.from_settings(settings())


def now() -> datetime:
    return datetime.now(timezone.utc)


def db() -> Session:
    """This request's database session, opened on first use and closed after the request."""
    if "db" not in g:
        g.db = current_app.extensions["mfa_session_factory"]()
    return cast(Session, g.db)


def close_db(_error: BaseException | None = None) -> None:
    database = g.pop("db", None)
    if database is not None:
        database.close()


def source() -> str:
    """Where a request came from, for the security log."""
    return request.remote_addr or ""


def session_lifetime() -> timedelta:
    return timedelta(minutes=settings().console_session_minutes)


def start_session(agent_id: int, signed_in: datetime) -> None:
    """Replace whatever the cookie held (no fixation) with a signed-in session."""
    session.clear()
    session.permanent = True
    session["agent_id"] = agent_id
    session["signed_in_at"] = signed_in.timestamp()


def load_agent() -> None:
    """Set ``g.agent`` to the signed-in agent, or None; end sessions that are no longer good."""
    g.agent = None
    if request.endpoint in PUBLIC_ENDPOINTS or "agent_id" not in session:
        return
    agent_id, signed_in_at = session.get("agent_id"), session.get("signed_in_at")
    if not isinstance(agent_id, int) or not isinstance(signed_in_at, (int, float)):
        session.clear()
        return
    if now().timestamp() - signed_in_at > session_lifetime().total_seconds():
        session.clear()
        return
    agent = db().get(Agent, agent_id)
    if (
        agent is None
        or agent.disabled
        or not agent.enrolled
        # Enrolled again (after a TOTP reset) since this session began: it used the old code.
        or agent.enrolled_at.timestamp() > signed_in_at
    ):
        session.clear()
        return
    g.agent = agent


def current_agent() -> Agent:
    agent = g.get("agent")
    if agent is None:
        raise RuntimeError("current_agent() outside a login_required view")
    return cast(Agent, agent)


def login_required(view: F) -> F:
    """Send visitors who are not signed in to the sign-in page, and back here afterwards."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("agent") is None:
            target = request.full_path if request.method == "GET" else None
            return redirect(url_for("signin.sign_in_form", next=safe_next(target)))
        return view(*args, **kwargs)

    return cast(F, wrapper)


def safe_next(target: str | None) -> str | None:
    """A local path to return to after signing in; anything else (another site) is dropped."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return None  # CR/LF would split the Location header: a 500 after a correct sign-in
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target.rstrip("?") or None


def form_text(name: str, max_chars: int, *, strip: bool = True) -> str:
    """A field of the posted form; 400 (with the reason) when it is missing or too long."""
    value = request.form.get(name)
    if value is None:
        abort(400, description=f"The form has no {name} field.")
    if len(value) > max_chars:
        abort(400, description=f"The {name} field is longer than {max_chars} characters.")
    return value.strip() if strip else value


def security_headers(response: Any) -> Any:
    """Pages hold personal data: no caching, no framing, no scripts from anywhere."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return response
