"""Sign-in with the university's account (bot/console/sso.py decides who and as what)."""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, redirect, request, session, url_for

from bot.console import sessions, sso
from bot.console.views.signin import sign_in_page
from bot.console.web import db, now, safe_next, session_lifetime, set_cookie_token, source
from bot.metrics import console as console_metrics
from bot.settings import Settings

log = logging.getLogger(__name__)
blueprint = Blueprint("sso", __name__)
NEXT = "sso_next"


def register(app: Flask, settings: Settings) -> None:
    """Single sign-on's routes and the provider's client, when an issuer is configured."""
    if not sso.enabled(settings):
        return
    oauth = OAuth(app)
    oauth.register(
        sso.PROVIDER,
        client_id=settings.console_sso_client_id,
        client_secret=settings.console_sso_client_secret,
        server_metadata_url=settings.console_sso_issuer.rstrip("/")
        + "/.well-known/openid-configuration",
        client_kwargs={"scope": sso.SCOPES, "code_challenge_method": "S256"},
    )
    app.extensions["mfa_oauth"] = oauth
    app.register_blueprint(blueprint)


def _client() -> Any:
    return current_app.extensions["mfa_oauth"].create_client(sso.PROVIDER)


def _refused(message: str, status: int) -> Any:
    console_metrics.SIGN_IN_STEPS.labels("sso", "failed").inc()
    return sign_in_page(message, status)


@blueprint.get("/sign-in/sso")
def start() -> Any:
    session[NEXT] = safe_next(request.args.get("next"))
    return _client().authorize_redirect(url_for("sso.callback", _external=True))


@blueprint.get("/sign-in/sso/callback")
def callback() -> Any:
    try:
        token = _client().authorize_access_token()
        claims = token.get("userinfo")
        if not claims:
            raise ValueError("no ID token")
    except Exception as error:  # state, code, signature, issuer, audience, nonce, expiry...
        log.warning("Single sign-on refused: %s", type(error).__name__)
        return _refused("The sign-in with your university account did not work. Try again.", 401)
    at = now()
    role = sso.role_for(claims.get("groups") or (), current_app.extensions["mfa_settings"])
    if role is None:
        sso.refused(db(), claims, at, source(), "In no servicedesk group.")
        return _refused(
            "Your university account is not in a servicedesk group. Ask an administrator.", 403
        )
    agent = sso.signed_in_agent(db(), claims, role, at, source())
    if agent.disabled:
        return _refused("This account is disabled. Ask an administrator.", 403)
    target = safe_next(session.pop(NEXT, None))
    token = sessions.start(db(), agent.id, at, session_lifetime(), signed_in=True)
    set_cookie_token(token, signed_in=True)  # a new cookie: nothing of before carries over
    console_metrics.SIGN_IN_STEPS.labels("sso", "ok").inc()
    console_metrics.SIGN_INS.inc()
    return redirect(target or url_for("tickets.index"))
