"""Request helpers shared by the console's views: database session, clock, signed-in agent.

The cookie holds only a session token; the session row and the agent are loaded from the
database on every request, so signing out, a new password, disabling an agent or resetting
their TOTP ends their sessions at the next click, also for a copy of the cookie.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.client_address import client_address
from bot.console import sessions
from bot.console.auth import Policy
from bot.console.keys import SecretBox
from bot.console.models import Agent, ConsoleSession
from bot.db import make_engine
from bot.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

# Endpoints that need neither the database nor a signed-in agent.
PUBLIC_ENDPOINTS = {"static", "health", "ready", "metrics"}
# The cookie's one credential: the token of a row in console_sessions.
TOKEN = "token"
_tracker_lock = threading.Lock()


def settings() -> Settings:
    return cast(Settings, current_app.extensions["mfa_settings"])


def policy() -> Policy:
    return Policy.from_settings(settings())


def totp_box() -> SecretBox:
    """The key that seals TOTP secrets (made once by ``create_app``)."""
    return cast(SecretBox, current_app.extensions["mfa_totp_box"])


def now() -> datetime:
    return datetime.now(timezone.utc)


def db() -> Session:
    """This request's database session, opened on first use and closed after the request."""
    if "db" not in g:
        g.db = current_app.extensions["mfa_session_factory"]()
    return cast(Session, g.db)


def tracker() -> Engine:
    """The conversations' database (the tracker store's: insight_turns), one engine per app.

    Read by the content owners' pages; made at first use, so a console that never shows them
    never connects to it.
    """
    extensions = current_app.extensions
    with _tracker_lock:
        if "mfa_tracker_engine" not in extensions:
            extensions["mfa_tracker_engine"] = make_engine(settings().resolved_tracker_store_url)
        return cast(Engine, extensions["mfa_tracker_engine"])


def close_db(_error: BaseException | None = None) -> None:
    database = g.pop("db", None)
    if database is not None:
        database.close()


def source() -> str:
    """Where a request came from, for the security log and the limit per address.

    X-Forwarded-For is believed only from the proxies in MFA_TRUSTED_PROXIES: anyone else
    could write any address into it and so escape the limit.
    """
    peer = request.remote_addr or ""
    return client_address(
        peer, request.headers.getlist("X-Forwarded-For"), settings().proxy_networks
    )


def session_lifetime() -> timedelta:
    return timedelta(minutes=settings().console_session_minutes)


def set_cookie_token(token: str, *, signed_in: bool) -> None:
    """Replace whatever the cookie held (no fixation) with the token of a new session row."""
    session.clear()
    session.permanent = signed_in
    session[TOKEN] = token


def current_session() -> ConsoleSession | None:
    """The live session row the cookie points to (signed in or half-way), or None."""
    return sessions.find(db(), session.get(TOKEN), now())


def load_agent() -> None:
    """Set ``g.agent`` (and ``g.console_session``) to the signed-in agent and their session
    row, or None; a cookie whose row is unknown, revoked or expired is cleared."""
    g.agent = g.console_session = None
    if request.endpoint in PUBLIC_ENDPOINTS or TOKEN not in session:
        return
    row = current_session()
    if row is None:
        session.clear()
        return
    if row.signed_in_at is None:
        return  # between password and code: signed in to nothing yet
    agent = db().get(Agent, row.agent_id)
    if agent is None or not agent.may_be_signed_in:
        session.clear()
        return
    g.agent, g.console_session = agent, row


def current_agent() -> Agent:
    agent = g.get("agent")
    if agent is None:
        raise RuntimeError("current_agent() outside a login_required view")
    return cast(Agent, agent)


def admin_required(view: F) -> F:
    """Like ``login_required``, and a 403 for agents who are not admins."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        agent = g.get("agent")
        if agent is not None and not agent.is_admin:
            abort(403, description="This page is for console administrators.")
        return view(*args, **kwargs)

    return login_required(cast(F, wrapper))


def content_owner_required(view: F) -> F:
    """Like ``login_required``, and a 403 for agents who are not content owners.

    Admins are not content owners by default: reading what people asked is a different
    permission from reading who signed in.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        agent = g.get("agent")
        if agent is not None and not agent.is_content_owner:
            abort(403, description="This page is for the assistant's content owners.")
        return view(*args, **kwargs)

    return login_required(cast(F, wrapper))


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
