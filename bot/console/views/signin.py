"""Sign-in pages: password, then the code from the app (or, the first time, TOTP enrolment).

Between the two steps the cookie holds only "this agent gave the right password, at this
time"; that lasts a few minutes and grants nothing else. The replies never tell a wrong
username from a wrong password, nor a locked real account from a "locked" unknown name.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from bot.console import auth
from bot.console.auth import MAX_PASSWORD_CHARS, Outcome
from bot.console.models import USERNAME_CHARS, Agent
from bot.console.qr import qr_svg
from bot.console.web import (
    current_agent,
    db,
    form_text,
    login_required,
    now,
    policy,
    safe_next,
    settings,
    source,
    start_session,
)
from bot.onboarding.practice import format_key

blueprint = Blueprint("signin", __name__)

# Time to type the code once the password was right.
PENDING = timedelta(minutes=5)
_CODE_CHARS = 20

WRONG_PASSWORD = "The username or the password is wrong."
WRONG_CODE = "That code is wrong or has been used already. Wait for the next code and try again."


def _locked_message() -> str:
    minutes = settings().console_lockout_minutes
    return (
        f"Too many failed attempts: signing in is blocked for {minutes} minutes. "
        "Try again later, or ask an administrator to unlock the account."
    )


def _sign_in_page(error: str | None = None, status: int = 200, next_url: str | None = None) -> Any:
    return render_template("sign_in.html", error=error, next_url=next_url), status


def _pending_agent() -> Agent | None:
    """The agent whose password was right a moment ago, or None (expired, tampered, gone)."""
    pending = session.get("pending")
    if not isinstance(pending, dict):
        return None
    agent_id, at = pending.get("agent_id"), pending.get("at")
    if not isinstance(agent_id, int) or not isinstance(at, (int, float)):
        return None
    if now().timestamp() - at > PENDING.total_seconds():
        return None
    agent = db().get(Agent, agent_id)
    return None if agent is None or agent.disabled else agent


def _start_again() -> Any:
    session.clear()
    flash("Please sign in again.")
    return redirect(url_for("signin.sign_in_form"))


def _locked_out() -> Any:
    session.clear()
    return _sign_in_page(_locked_message(), 429)


def _finish(agent_id: int, signed_in: Any) -> Any:
    target = safe_next(session.get("pending", {}).get("next"))
    start_session(agent_id, signed_in)
    return redirect(target or url_for("tickets.index"))


@blueprint.get("/sign-in")
def sign_in_form() -> Any:
    if g.get("agent") is not None:
        return redirect(url_for("tickets.index"))
    return _sign_in_page(next_url=safe_next(request.args.get("next")))


@blueprint.post("/sign-in")
def sign_in() -> Any:
    username = form_text("username", USERNAME_CHARS * 4)
    password = form_text("password", MAX_PASSWORD_CHARS, strip=False)
    next_url = safe_next(request.form.get("next", "")[:2000])
    if not username or not password:
        return _sign_in_page("Enter your username and your password.", 400, next_url)
    at = now()
    result = auth.check_password(db(), username, password, at, policy(), source())
    if result.outcome is Outcome.LOCKED:
        return _locked_out()
    if result.outcome is Outcome.FAILED:
        return _sign_in_page(WRONG_PASSWORD, 401, next_url)
    session.clear()
    session["pending"] = {"agent_id": result.agent_id, "at": at.timestamp(), "next": next_url}
    return redirect(url_for("signin.code_form" if result.enrolled else "signin.enrol_form"))


@blueprint.get("/sign-in/code")
def code_form() -> Any:
    agent = _pending_agent()
    if agent is None:
        return _start_again()
    if not agent.enrolled:
        return redirect(url_for("signin.enrol_form"))
    return render_template("code.html", error=None)


@blueprint.post("/sign-in/code")
def code() -> Any:
    agent = _pending_agent()
    if agent is None:
        return _start_again()
    typed = form_text("code", _CODE_CHARS)
    at = now()
    outcome = auth.verify_code(db(), agent.id, typed, at, policy(), source())
    if outcome is Outcome.LOCKED:
        return _locked_out()
    if outcome is Outcome.FAILED:
        return render_template("code.html", error=WRONG_CODE), 401
    return _finish(agent.id, at)


def _enrol_page(agent: Agent, error: str | None = None, status: int = 200) -> Any:
    secret = session.get("enrol_secret")
    if not isinstance(secret, str):
        # Kept in the (signed) cookie until confirmed: a reload shows the same code to scan.
        secret = session["enrol_secret"] = auth.new_totp_secret()
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
    agent = _pending_agent()
    if agent is None:
        return _start_again()
    if agent.enrolled:
        return redirect(url_for("signin.code_form"))
    return _enrol_page(agent)


@blueprint.post("/enrol")
def enrol() -> Any:
    agent = _pending_agent()
    secret = session.get("enrol_secret")
    if agent is None or not isinstance(secret, str):
        return _start_again()
    typed = form_text("code", _CODE_CHARS)
    at = now()
    outcome = auth.confirm_enrolment(db(), agent.id, secret, typed, at, policy(), source())
    if outcome is Outcome.LOCKED:
        return _locked_out()
    if outcome is Outcome.FAILED:
        return _enrol_page(agent, WRONG_CODE, 401)
    return _finish(agent.id, at)


@blueprint.post("/sign-out")
@login_required
def sign_out() -> Any:
    auth.sign_out(db(), current_agent(), now(), source())
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("signin.sign_in_form"))
