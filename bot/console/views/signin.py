"""Sign-in pages: password, then the code from the app (or, the first time, TOTP enrolment).

Between the two steps the cookie holds the token of a half-way session row: "this agent gave
the right password, at this time", for a few minutes, granting nothing else. The enrolment
secret waits in that row, encrypted, never in the cookie (which is signed, not encrypted).
A right code replaces the row with a signed-in one under a new token. The replies never tell
a wrong username from a wrong password, nor a locked real account from a "locked" unknown name.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from bot.console import auth, sessions, sso
from bot.console.auth import MAX_PASSWORD_CHARS, Outcome
from bot.console.models import USERNAME_CHARS, Agent, ConsoleSession
from bot.console.qr import qr_svg
from bot.console.web import (
    current_agent,
    current_session,
    db,
    form_text,
    login_required,
    now,
    policy,
    safe_next,
    session_lifetime,
    set_cookie_token,
    settings,
    source,
    totp_box,
)
from bot.metrics import console as console_metrics
from bot.onboarding.practice import format_key

blueprint = Blueprint("signin", __name__)

# Time to type the code once the password was right.
PENDING = timedelta(minutes=5)
_CODE_CHARS = 20

WRONG_PASSWORD = "The username or the password is wrong."
USE_SSO = "Sign in with your university account."
WRONG_CODE = "That code is wrong or has been used already. Wait for the next code and try again."


def _locked_message() -> str:
    minutes = settings().console_lockout_minutes
    return (
        f"Too many failed attempts: signing in is blocked for {minutes} minutes. "
        "Try again later, or ask an administrator to unlock the account."
    )


def _throttled_message() -> str:
    minutes = settings().console_address_minutes
    return (
        "Too many failed sign-ins from your network address: signing in from it is blocked "
        f"for up to {minutes} minutes."
    )


def sign_in_page(error: str | None = None, status: int = 200, next_url: str | None = None) -> Any:
    """The sign-in page: the university's sign-in when on, the password form when allowed."""
    single_sign_on = sso.enabled(settings())
    page = render_template(
        "sign_in.html",
        error=error,
        next_url=next_url,
        single_sign_on=single_sign_on,
        passwords=not single_sign_on or settings().console_break_glass,
    )
    return page, status


def _local_sign_in_allowed(agent_id: int | None) -> bool:
    """With single sign-on on, a password is a break glass: admins only, when allowed."""
    if not sso.enabled(settings()):
        return True
    agent = db().get(Agent, agent_id) if agent_id is not None else None
    return settings().console_break_glass and agent is not None and agent.is_admin


def _pending() -> tuple[ConsoleSession, Agent] | None:
    """The half-way session and its agent, or None (expired, revoked, tampered, gone)."""
    row = current_session()
    if row is None or row.signed_in_at is not None:
        return None
    agent = db().get(Agent, row.agent_id)
    return None if agent is None or agent.disabled else (row, agent)


def _start_again() -> Any:
    session.clear()
    flash("Please sign in again.")
    return redirect(url_for("signin.sign_in_form"))


def _refused(outcome: Outcome) -> Any:
    """The page for a LOCKED or THROTTLED step: back to the start, with the reason."""
    session.clear()
    message = _locked_message() if outcome is Outcome.LOCKED else _throttled_message()
    return sign_in_page(message, 429)


def _finish(pending: ConsoleSession, signed_in: Any) -> Any:
    """Replace the half-way session with a signed-in one under a new token."""
    target = safe_next(session.get("next"))
    sessions.revoke(pending, signed_in)
    console_metrics.SIGN_INS.inc()
    token = sessions.start(db(), pending.agent_id, signed_in, session_lifetime(), signed_in=True)
    set_cookie_token(token, signed_in=True)
    return redirect(target or url_for("tickets.index"))


@blueprint.get("/sign-in")
def sign_in_form() -> Any:
    if g.get("agent") is not None:
        return redirect(url_for("tickets.index"))
    return sign_in_page(next_url=safe_next(request.args.get("next")))


@blueprint.post("/sign-in")
def sign_in() -> Any:
    username = form_text("username", USERNAME_CHARS * 4)
    password = form_text("password", MAX_PASSWORD_CHARS, strip=False)
    next_url = safe_next(request.form.get("next", "")[:2000])
    if sso.enabled(settings()) and not settings().console_break_glass:
        return sign_in_page(USE_SSO, 403, next_url)  # not even checked: passwords are off
    if not username or not password:
        return sign_in_page("Enter your username and your password.", 400, next_url)
    at = now()
    result = auth.check_password(db(), username, password, at, policy(), source())
    console_metrics.SIGN_IN_STEPS.labels("password", result.outcome.value).inc()
    if result.outcome in (Outcome.LOCKED, Outcome.THROTTLED):
        return _refused(result.outcome)
    if result.outcome is Outcome.FAILED:
        return sign_in_page(WRONG_PASSWORD, 401, next_url)
    if not _local_sign_in_allowed(result.agent_id):
        return sign_in_page(USE_SSO, 403, next_url)
    # Made now, so that showing the enrolment page (a GET) writes nothing.
    secret = None if result.enrolled else totp_box().seal(auth.new_totp_secret())
    token = sessions.start(db(), result.agent_id, at, PENDING, signed_in=False, enrol_secret=secret)
    set_cookie_token(token, signed_in=False)
    session["next"] = next_url
    return redirect(url_for("signin.code_form" if result.enrolled else "signin.enrol_form"))


@blueprint.get("/sign-in/code")
def code_form() -> Any:
    pending = _pending()
    if pending is None:
        return _start_again()
    if not pending[1].enrolled:
        return redirect(url_for("signin.enrol_form"))
    return render_template("code.html", error=None)


@blueprint.post("/sign-in/code")
def code() -> Any:
    pending = _pending()
    if pending is None:
        return _start_again()
    typed = form_text("code", _CODE_CHARS)
    at = now()
    row, agent = pending
    outcome = auth.verify_code(db(), agent.id, typed, at, policy(), source(), totp_box())
    console_metrics.SIGN_IN_STEPS.labels("code", outcome.value).inc()
    if outcome in (Outcome.LOCKED, Outcome.THROTTLED):
        return _refused(outcome)
    if outcome is Outcome.FAILED:
        return render_template("code.html", error=WRONG_CODE), 401
    return _finish(row, at)


def _enrol_secret(row: ConsoleSession) -> str | None:
    return None if row.enrol_secret is None else totp_box().open(row.enrol_secret)


def _enrol_page(agent: Agent, secret: str, error: str | None = None, status: int = 200) -> Any:
    uri = auth.provisioning_uri(secret, agent.username)
    page = render_template(
        "enrol.html",
        agent=agent,
        qr=qr_svg(uri),
        secret=format_key(secret),
        issuer=auth.ISSUER,
        error=error,
    )
    return page, status


@blueprint.get("/enrol")
def enrol_form() -> Any:
    pending = _pending()
    if pending is None:
        return _start_again()
    row, agent = pending
    secret = _enrol_secret(row)
    if agent.enrolled or secret is None:
        return redirect(url_for("signin.code_form"))
    return _enrol_page(agent, secret)


@blueprint.post("/enrol")
def enrol() -> Any:
    pending = _pending()
    secret = None if pending is None else _enrol_secret(pending[0])
    if pending is None or secret is None:
        return _start_again()
    row, agent = pending
    typed = form_text("code", _CODE_CHARS)
    at = now()
    outcome = auth.confirm_enrolment(
        db(), agent.id, secret, typed, at, policy(), source(), totp_box()
    )
    console_metrics.SIGN_IN_STEPS.labels("enrolment", outcome.value).inc()
    if outcome in (Outcome.LOCKED, Outcome.THROTTLED):
        return _refused(outcome)
    if outcome is Outcome.FAILED:
        return _enrol_page(agent, secret, WRONG_CODE, 401)
    return _finish(row, at)


@blueprint.post("/sign-out")
@login_required
def sign_out() -> Any:
    auth.sign_out(db(), current_agent(), g.console_session, now(), source())
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("signin.sign_in_form"))
