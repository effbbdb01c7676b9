"""Agent accounts and sign-in: password, then a TOTP code, with lock-out and a security log.

The console shows personal data and records identity checks, so a stolen password alone must
not open it. The rules, kept here apart from the web layer so they are tested on both
databases with fixed clocks:

- a sign-in is a password and then a six-digit code (RFC 6238, 30 s steps, one step of clock
  drift either way); an agent without a code yet enrols first;
- a code is accepted once: the accepted time step is stored, and only a later step passes
  (an overheard or shoulder-surfed code is useless);
- N consecutive failures (password or code) lock the account for M minutes. The password
  alone never resets the counter, or a thief with the password could guess codes forever;
- a username that is no agent (or a disabled one) fails exactly like a wrong password and is
  "locked" after the same number of tries, so the replies never tell which names exist;
- every attempt, success and admin step is written to ``agent_events``.

Each function commits, like the ticket store: every request is one complete step.
"""

from __future__ import annotations

import enum
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.console.models import USERNAME_CHARS, Agent, AgentEvent
from bot.onboarding.practice import normalize_code
from bot.settings import Settings

ISSUER = "RUC MFA servicedesk"
MIN_PASSWORD_CHARS = 12
# scrypt of a megabyte is slow by design: a huge "password" must not tie up the server.
MAX_PASSWORD_CHARS = 1024
# One step each way: a phone clock that is up to 30 s off still works, as most apps expect.
VALID_WINDOW = 1
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]*")
_dummy_hash: str | None = None


class AgentError(ValueError):
    """An admin step that cannot be done: unknown or duplicate agent, unfit password."""


class Outcome(enum.Enum):
    """What a sign-in step tells the web layer; deliberately no "no such user"."""

    OK = "ok"
    FAILED = "failed"
    LOCKED = "locked"


@dataclass(frozen=True)
class Policy:
    """How many failures lock an account, and for how long."""

    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            settings.console_lockout_failures, timedelta(minutes=settings.console_lockout_minutes)
        )


@dataclass(frozen=True)
class PasswordResult:
    outcome: Outcome
    agent_id: int | None = None
    enrolled: bool = False


def normalize_username(raw: str) -> str:
    """The stored form of a username; ValueError when it cannot be one."""
    username = (raw or "").strip().lower()
    if not 0 < len(username) <= USERNAME_CHARS or not _USERNAME.fullmatch(username):
        raise ValueError(
            f"a username is 1 to {USERNAME_CHARS} characters: letters, digits and . _ @ -"
        )
    return username


def check_new_password(password: str) -> None:
    """Refuse passwords too short to resist guessing, or long enough to be a denial of service."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AgentError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AgentError(f"the password must have at most {MAX_PASSWORD_CHARS} characters")
    if not password.strip():
        raise AgentError("the password must not be only spaces")


def hash_password(password: str) -> str:
    """Werkzeug's scrypt hash with a random salt."""
    return generate_password_hash(password, method="scrypt")


def _burn_password_check(password: str) -> None:
    """Spend the time a real check takes, so response times do not tell which names exist."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password("not anybody's password")
    check_password_hash(_dummy_hash, password[:MAX_PASSWORD_CHARS])


def find_agent(session: Session, username: str) -> Agent | None:
    try:
        wanted = normalize_username(username)
    except ValueError:
        return None
    return session.execute(select(Agent).where(Agent.username == wanted)).scalar_one_or_none()


def _log(
    session: Session,
    agent: Agent | None,
    username: str,
    kind: str,
    now: datetime,
    source: str,
    detail: str = "",
) -> None:
    session.add(
        AgentEvent(
            agent_id=agent.id if agent is not None else None,
            username=(agent.username if agent is not None else username)[:USERNAME_CHARS],
            at=now,
            kind=kind,
            detail=detail,
            source=source[:64],
        )
    )


# --- admin steps (python -m bot agent ...) -------------------------------------------------


def _existing(session: Session, username: str) -> Agent:
    agent = find_agent(session, username)
    if agent is None:
        raise AgentError(f"there is no agent {username!r}")
    return agent


def create_agent(
    session: Session,
    username: str,
    display_name: str,
    password: str,
    now: datetime,
    source: str = "cli",
) -> Agent:
    """A new agent who enrols TOTP at the first sign-in."""
    try:
        username = normalize_username(username)
    except ValueError as error:
        raise AgentError(str(error)) from None
    display_name = (display_name or "").strip() or username
    if len(display_name) > 200:
        raise AgentError("the display name must have at most 200 characters")
    check_new_password(password)
    if find_agent(session, username) is not None:
        raise AgentError(f"there is already an agent {username!r}")
    agent = Agent(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        failed_attempts=0,
        created_at=now,
        disabled=False,
    )
    session.add(agent)
    session.flush()
    _log(session, agent, username, "created", now, source, f"Display name: {display_name}.")
    _log(session, agent, username, "password_set", now, source)
    session.commit()
    return agent


def set_password(
    session: Session, username: str, password: str, now: datetime, source: str = "cli"
) -> None:
    """A new password (the agent forgot it); their TOTP stays as it is."""
    agent = _existing(session, username)
    check_new_password(password)
    agent.password_hash = hash_password(password)
    _log(session, agent, agent.username, "password_set", now, source)
    session.commit()


def reset_totp(session: Session, username: str, now: datetime, source: str = "cli") -> None:
    """Forget the agent's TOTP (a lost phone): they enrol again at the next sign-in.

    Sessions signed in with the old code end at their next request (the console checks that
    the agent is still enrolled).
    """
    agent = _existing(session, username)
    agent.totp_secret = None
    agent.enrolled_at = None
    agent.last_totp_step = None
    _log(session, agent, agent.username, "totp_reset", now, source)
    session.commit()


def unlock(session: Session, username: str, now: datetime, source: str = "cli") -> None:
    """End a lock-out now and clear the failure count."""
    agent = _existing(session, username)
    agent.locked_until = None
    agent.failed_attempts = 0
    _log(session, agent, agent.username, "unlocked", now, source)
    session.commit()


def set_disabled(
    session: Session, username: str, disabled: bool, now: datetime, source: str = "cli"
) -> None:
    """Disable an agent who left (kept for the audit trail) or enable them again."""
    agent = _existing(session, username)
    agent.disabled = disabled
    _log(session, agent, agent.username, "disabled" if disabled else "enabled", now, source)
    session.commit()


# --- sign-in ------------------------------------------------------------------------------


def _record_failure(
    session: Session, agent: Agent, reason: str, now: datetime, policy: Policy, source: str
) -> Outcome:
    """Count a failure atomically (parallel guesses must all count) and lock at the limit."""
    session.execute(
        update(Agent)
        .where(Agent.id == agent.id)
        .values(failed_attempts=Agent.failed_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(agent, ["failed_attempts"])
    _log(session, agent, agent.username, "sign_in_failed", now, source, reason)
    if agent.failed_attempts < policy.max_failures:
        session.commit()
        return Outcome.FAILED
    agent.locked_until = now + policy.lockout
    agent.failed_attempts = 0  # a fresh set of tries once the lock ends
    _log(
        session,
        agent,
        agent.username,
        "locked_out",
        now,
        source,
        f"{policy.max_failures} failures in a row; locked until {agent.locked_until:%H:%M} UTC.",
    )
    session.commit()
    return Outcome.LOCKED


def _refuse_locked(session: Session, agent: Agent, now: datetime, source: str) -> Outcome:
    _log(session, agent, agent.username, "sign_in_refused", now, source, "locked")
    session.commit()
    return Outcome.LOCKED


def _unknown_name_failure(
    session: Session, username: str, now: datetime, policy: Policy, source: str
) -> Outcome:
    """Treat a name that is no agent like one, from the log alone: fail N times, then "lock"."""
    name = username[:USERNAME_CHARS]
    nobody = (AgentEvent.username == name) & AgentEvent.agent_id.is_(None)
    last_lock = session.execute(
        select(func.max(AgentEvent.at)).where(nobody, AgentEvent.kind == "locked_out")
    ).scalar_one()
    if last_lock is not None and now < last_lock + policy.lockout:
        _log(session, None, name, "sign_in_refused", now, source, "locked (no such agent)")
        session.commit()
        return Outcome.LOCKED
    failures = select(func.count()).where(nobody, AgentEvent.kind == "sign_in_failed")
    if last_lock is not None:
        failures = failures.where(AgentEvent.at > last_lock)
    earlier = session.execute(failures).scalar_one()
    _log(session, None, name, "sign_in_failed", now, source, "no such agent")
    if earlier + 1 < policy.max_failures:
        session.commit()
        return Outcome.FAILED
    _log(session, None, name, "locked_out", now, source, "no such agent")
    session.commit()
    return Outcome.LOCKED


def check_password(
    session: Session, username: str, password: str, now: datetime, policy: Policy, source: str
) -> PasswordResult:
    """First step of a sign-in. OK means "now ask for the code", not "signed in"."""
    agent = find_agent(session, username)
    if agent is None:
        _burn_password_check(password)
        name = (username or "").strip().lower()
        return PasswordResult(_unknown_name_failure(session, name, now, policy, source))
    if agent.is_locked(now):
        _burn_password_check(password)
        return PasswordResult(_refuse_locked(session, agent, now, source))
    good = check_password_hash(agent.password_hash, password[:MAX_PASSWORD_CHARS])
    if agent.disabled or not good:
        reason = "account disabled" if agent.disabled else "wrong password"
        return PasswordResult(_record_failure(session, agent, reason, now, policy, source))
    # Nothing is reset or logged yet: the sign-in is complete only with the code.
    return PasswordResult(Outcome.OK, agent.id, agent.enrolled)


def new_totp_secret() -> str:
    """A fresh random base32 secret (160 bits, as authenticator apps expect)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI the enrolment QR code holds."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code ``code`` is (within the valid window), or None.

    pyotp's ``verify(valid_window=1)`` says yes or no; the replay guard also needs to know
    which step matched, so the same window is walked here with a constant-time compare.
    """
    code = normalize_code(code or "")
    if code is None:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return current + offset
    return None


def _claim_step(session: Session, agent: Agent, step: int) -> bool:
    """Store ``step`` as used unless it (or a later one) already was: atomic on both backends.

    A conditional UPDATE, so two requests racing with the same code cannot both win.
    """
    claimed = session.execute(
        update(Agent)
        .where(Agent.id == agent.id)
        .where((Agent.last_totp_step.is_(None)) | (Agent.last_totp_step < step))
        .values(last_totp_step=step)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


def _signed_in(session: Session, agent: Agent, now: datetime, source: str) -> Outcome:
    agent.failed_attempts = 0
    agent.locked_until = None
    agent.last_sign_in_at = now
    _log(session, agent, agent.username, "signed_in", now, source)
    session.commit()
    return Outcome.OK


def _usable(session: Session, agent_id: int) -> Agent | None:
    agent = session.get(Agent, agent_id)
    return None if agent is None or agent.disabled else agent


def verify_code(
    session: Session, agent_id: int, code: str, now: datetime, policy: Policy, source: str
) -> Outcome:
    """Second step for an enrolled agent: the code from their app."""
    agent = _usable(session, agent_id)
    if agent is None or not agent.enrolled:
        return Outcome.FAILED
    if agent.is_locked(now):
        return _refuse_locked(session, agent, now, source)
    step = matching_step(agent.totp_secret, code, now)
    if step is None:
        return _record_failure(session, agent, "wrong code", now, policy, source)
    if not _claim_step(session, agent, step):
        return _record_failure(session, agent, "code already used", now, policy, source)
    agent.last_totp_step = step
    return _signed_in(session, agent, now, source)


def confirm_enrolment(
    session: Session,
    agent_id: int,
    secret: str,
    code: str,
    now: datetime,
    policy: Policy,
    source: str,
) -> Outcome:
    """Second step for a new agent: the first code from the secret just shown proves the scan."""
    agent = _usable(session, agent_id)
    if agent is None or agent.enrolled:
        return Outcome.FAILED
    if agent.is_locked(now):
        return _refuse_locked(session, agent, now, source)
    step = matching_step(secret, code, now)
    if step is None:
        return _record_failure(session, agent, "wrong code at enrolment", now, policy, source)
    agent.totp_secret = secret
    agent.enrolled_at = now
    agent.last_totp_step = step
    _log(session, agent, agent.username, "enrolled", now, source)
    return _signed_in(session, agent, now, source)


def sign_out(session: Session, agent: Agent, now: datetime, source: str) -> None:
    _log(session, agent, agent.username, "signed_out", now, source)
    session.commit()


def agent_events(session: Session, username: str) -> list[AgentEvent]:
    """The security log of one username (agent or not), oldest first."""
    name = (username or "").strip().lower()[:USERNAME_CHARS]
    query = select(AgentEvent).where(AgentEvent.username == name)
    return list(session.execute(query.order_by(AgentEvent.at, AgentEvent.id)).scalars())
