"""The console's Flask application, built from the settings by ``create_app``.

Cookies: one signed session cookie (HttpOnly, SameSite=Lax, Secure when configured) that
expires with the sign-in and holds the token of a server-side session (``bot.console.sessions``);
every POST carries a CSRF token (Flask-WTF), so another site cannot make a signed-in agent's
browser claim or resolve tickets; GETs change nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot import db
from bot.console import errors, present, web
from bot.console.keys import secret_key, totp_box
from bot.console.views import admin, insights, privacy, review, signin, tickets
from bot.console.views import sso as sso_views
from bot.metrics import exposition
from bot.readiness import check_all
from bot.settings import Settings, get_settings

# The largest form the console accepts: notes are text (10,000 characters, percent-encoded).
MAX_FORM_BYTES = 256 * 1024


def create_app(
    settings: Settings | None = None, session_factory: Callable[[], Session] | None = None
) -> Flask:
    """The console for ``settings``; ``session_factory`` defaults to the assistant's database."""
    settings = settings or get_settings()
    app = Flask("bot.console")
    lifetime = settings.console_session_minutes * 60
    app.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_NAME="mfa_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.console_secure_cookies,
        PERMANENT_SESSION_LIFETIME=lifetime,
        # A form left open as long as a sign-in lasts still posts.
        WTF_CSRF_TIME_LIMIT=lifetime,
        MAX_CONTENT_LENGTH=MAX_FORM_BYTES,
    )
    app.extensions["mfa_settings"] = settings
    app.extensions["mfa_session_factory"] = session_factory or db.session
    app.extensions["mfa_totp_box"] = totp_box(settings)
    CSRFProtect(app)

    app.before_request(web.load_agent)
    app.after_request(web.security_headers)
    app.teardown_appcontext(web.close_db)
    app.register_blueprint(signin.blueprint)
    app.register_blueprint(tickets.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(insights.blueprint)
    app.register_blueprint(privacy.blueprint)
    app.register_blueprint(review.blueprint)
    sso_views.register(app, settings)
    errors.register(app)

    zone = ZoneInfo(settings.servicedesk_timezone)
    app.add_template_filter(lambda value: present.local_time(value, zone), "local")

    @app.get("/health")
    def health() -> tuple[str, int, dict[str, str]]:
        """Liveness: the process is up and serving."""
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}

    factory = app.extensions["mfa_session_factory"]

    def database() -> None:
        with factory() as session:
            session.execute(text("SELECT 1"))

    @app.get("/ready")
    def ready() -> tuple[dict[str, Any], int]:
        """Readiness (bot/readiness.py): the database of tickets and agents answers."""
        readiness = asyncio.run(check_all({"database": database}))
        return readiness.as_json(), readiness.status

    @app.get("/metrics")
    def scrape() -> tuple[bytes, int, dict[str, str]]:
        """Sign-ins, failures and lock-outs (bot/metrics/console.py), for Prometheus."""
        body, content_type = exposition()
        return body, 200, {"Content-Type": content_type}

    return app
