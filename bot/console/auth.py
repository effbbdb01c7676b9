"""Agent accounts and sign-in: password, then a TOTP code, with lock-out and a security log.

The console shows personal data and records identity checks, so a stolen password alone must
not open it. The rules, kept here apart from the web layer so they are tested on both
databases with fixed clocks:

- a sign-in is a password and then a six-digit code (RFC 6238, 30 s steps, one step of clock
  drift either way); an agent without a code yet enrols first;
- a code is accepted once: the accepted time step is stored, and only a later step passes
  (an overheard or shoulder-surfed code is useless);
- N failures (password or code) lock the account for M minutes. The password alone never
  resets the counter, or a thief with the password could guess codes forever. Every step is
  counted *before* it is checked, in one UPDATE that refuses a locked account: parallel
  guesses cannot all pass a "not locked yet" check, so a lock period allows N tries, not more;
- one client address gets a generous number of failed steps per window, whatever usernames
  it tries: past it, steps are refused before any password hash is computed or row written;
- a username that is no agent (or a disabled one) fails exactly like a wrong password and is
  "locked" after the same number of tries, so the replies never tell which names exist;
- every attempt, success and admin step is written to ``agent_events``; a new password, a
  TOTP reset and disabling end the agent's console sessions (``bot.console.sessions``);
- TOTP secrets are stored encrypted (``bot.console.keys.SecretBox``).

Each function commits, like the ticket store: every request is one complete step.
"""

from __future__ import annotations

import enum
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import case, delete, func, literal, null, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from bot.console import sessions
from bot.console.keys import SecretBox
from bot.console.models import USERNAME_CHARS, Agent, AgentEvent, ConsoleSession, SignInAddress
from bot.db import UtcDateTime
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
    # Too many failed steps from the client's address (whatever the username).
    THROTTLED = "throttled"


@dataclass(frozen=True)
class Policy:
    """How many failures lock an account, and for how long; the same per client address."""

    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    address_failures: int = 50
    address_window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            settings.console_lockout_failures,
            timedelta(minutes=settings.console_lockout_minutes),
            settings.console_address_failures,
            timedelta(minutes=settings.console_address_minutes),
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


def log_event(
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
    admin: bool = False,
) -> Agent:
    """A new agent who enrols TOTP at the first sign-in; ``admin`` may read the security log."""
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
        is_admin=admin,
    )
    session.add(agent)
    session.flush()
    log_event(session, agent, username, "created", now, source, f"Display name: {display_name}.")
    log_event(session, agent, username, "password_set", now, source)
    if admin:
        log_event(session, agent, username, "admin_granted", now, source)
    session.commit()
    return agent


def set_password(
    session: Session, username: str, password: str, now: datetime, source: str = "cli"
) -> None:
    """A new password (forgotten, or maybe known to someone else): their sessions end too."""
    agent = _existing(session, username)
    check_new_password(password)
    agent.password_hash = hash_password(password)
    sessions.revoke_all(session, agent.id, now)
    log_event(session, agent, agent.username, "password_set", now, source)
    session.commit()


def reset_totp(session: Session, username: str, now: datetime, source: str = "cli") -> None:
    """Forget the agent's TOTP (a lost phone): they enrol again at the next sign-in.

    Their sessions end too: one signed in with the lost phone's code must not outlive it.
    """
    agent = _existing(session, username)
    agent.totp_secret = None
    agent.enrolled_at = None
    agent.last_totp_step = None
    sessions.revoke_all(session, agent.id, now)
    log_event(session, agent, agent.username, "totp_reset", now, source)
    session.commit()


def unlock(session: Session, username: str, now: datetime, source: str = "cli") -> None:
    """End a lock-out now and clear the failure count."""
    agent = _existing(session, username)
    agent.locked_until = None
    agent.failed_attempts = 0
    log_event(session, agent, agent.username, "unlocked", now, source)
    session.commit()


def set_disabled(
    session: Session, username: str, disabled: bool, now: datetime, source: str = "cli"
) -> None:
    """Disable an agent who left (kept for the audit trail; their sessions end) or enable them."""
    agent = _existing(session, username)
    agent.disabled = disabled
    if disabled:
        sessions.revoke_all(session, agent.id, now)
    log_event(session, agent, agent.username, "disabled" if disabled else "enabled", now, source)
    session.commit()


def set_admin(
    session: Session, username: str, admin: bool, now: datetime, source: str = "cli"
) -> None:
    """Let an agent read the console's security log (/admin/events), or stop them."""
    agent = _existing(session, username)
    agent.is_admin = admin
    kind = "admin_granted" if admin else "admin_revoked"
    log_event(session, agent, agent.username, kind, now, source)
    session.commit()


def set_content_owner(
    session: Session, username: str, owner: bool, now: datetime, source: str = "cli"
) -> None:
    """Let an agent read the insights and work the review queue (/insights), or stop them."""
    agent = _existing(session, username)
    agent.is_content_owner = owner
    kind = "content_owner_granted" if owner else "content_owner_revoked"
    log_event(session, agent, agent.username, kind, now, source)
    session.commit()


# --- counting tries -------------------------------------------------------------------------


def _take_address_attempt(
    session: Session, address: str, name: str, now: datetime, policy: Policy
) -> bool:
    """Count a step from ``address`` before it is checked; False when the address is over.

    A fixed window per address. The count goes up first, in one UPDATE (or the INSERT of the
    address's first row), so parallel requests cannot all slip under the limit. The first
    refused step of a window is logged as ``address_limited``; later ones cost nothing.
    """
    address = address[:64]
    window_over = SignInAddress.window_start <= now - policy.address_window
    for _ in range(2):
        counted = session.execute(
            update(SignInAddress)
            .where(SignInAddress.address == address)
            .values(
                failures=case((window_over, 1), else_=SignInAddress.failures + 1),
                window_start=case(
                    (window_over, literal(now, UtcDateTime)), else_=SignInAddress.window_start
                ),
            )
            .execution_options(synchronize_session=False)
        )
        if counted.rowcount:
            break
        # The address's first step (lately): old windows go, so the table stays small.
        session.execute(delete(SignInAddress).where(window_over))
        session.add(SignInAddress(address=address, window_start=now, failures=1))
        try:
            session.flush()
            break
        except IntegrityError:
            session.rollback()  # a parallel request inserted it first: count in its row
    failures = session.execute(
        select(SignInAddress.failures).where(SignInAddress.address == address)
    ).scalar_one()
    if failures == policy.address_failures + 1:
        log_event(
            session,
            None,
            name,
            "address_limited",
            now,
            address,
            f"{policy.address_failures} failed sign-in steps from this address; "
            f"refused for up to {policy.address_window.total_seconds() / 60:.0f} minutes.",
        )
    session.commit()
    return failures <= policy.address_failures


def _take_attempt(session: Session, agent: Agent, now: datetime, policy: Policy) -> int | None:
    """Count a step against the account before it is checked: its number in the current set
    of tries, or None while the account is locked.

    One UPDATE both checks the lock and counts, so of any number of parallel requests only
    ``max_failures`` get a number; the one reaching the limit locks the account at once (and
    lifts the lock itself should it turn out right). A lock that is over starts a fresh set.
    """
    lock_over = Agent.locked_until.is_not(None)  # the WHERE keeps live locks out
    number = case((lock_over, 1), else_=Agent.failed_attempts + 1)
    until = literal(now + policy.lockout, UtcDateTime)
    taken = session.execute(
        update(Agent)
        .where(Agent.id == agent.id)
        .where(or_(Agent.locked_until.is_(None), Agent.locked_until <= now))
        .values(
            failed_attempts=number,
            locked_until=case((number >= policy.max_failures, until), else_=null()),
        )
        .execution_options(synchronize_session=False)
    )
    counted = None
    if taken.rowcount == 1:
        counted = session.execute(
            select(Agent.failed_attempts).where(Agent.id == agent.id)
        ).scalar_one()
    session.commit()
    return counted


def _give_back(session: Session, agent: Agent, number: int, policy: Policy, source: str) -> None:
    """A right password is no failure: take back this step's count, never more, and the lock
    it started (no other step can have been counted since: they were all refused)."""
    values = {"failed_attempts": Agent.failed_attempts - 1}
    if number >= policy.max_failures:
        values["locked_until"] = null()
    session.execute(
        update(Agent)
        .where(Agent.id == agent.id, Agent.failed_attempts > 0)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    _give_back_address(session, source)
    session.commit()


def _give_back_address(session: Session, source: str) -> None:
    """A right step is no failure of the address either (an office behind one address)."""
    session.execute(
        update(SignInAddress)
        .where(SignInAddress.address == source[:64], SignInAddress.failures > 0)
        .values(failures=SignInAddress.failures - 1)
        .execution_options(synchronize_session=False)
    )


# --- sign-in ------------------------------------------------------------------------------


def _record_failure(
    session: Session,
    agent: Agent,
    number: int,
    reason: str,
    now: datetime,
    policy: Policy,
    source: str,
) -> Outcome:
    """Log the failure of the step ``number`` (already counted); the last one locked."""
    log_event(session, agent, agent.username, "sign_in_failed", now, source, reason)
    if number < policy.max_failures:
        session.commit()
        return Outcome.FAILED
    until = now + policy.lockout
    log_event(
        session,
        agent,
        agent.username,
        "locked_out",
        now,
        source,
        f"{policy.max_failures} failures in a row; locked until {until:%H:%M} UTC.",
    )
    session.commit()
    return Outcome.LOCKED


def _refuse_locked(session: Session, agent: Agent, now: datetime, source: str) -> Outcome:
    log_event(session, agent, agent.username, "sign_in_refused", now, source, "locked")
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
        log_event(session, None, name, "sign_in_refused", now, source, "locked (no such agent)")
        session.commit()
        return Outcome.LOCKED
    failures = select(func.count()).where(nobody, AgentEvent.kind == "sign_in_failed")
    if last_lock is not None:
        failures = failures.where(AgentEvent.at > last_lock)
    earlier = session.execute(failures).scalar_one()
    log_event(session, None, name, "sign_in_failed", now, source, "no such agent")
    if earlier + 1 < policy.max_failures:
        session.commit()
        return Outcome.FAILED
    log_event(session, None, name, "locked_out", now, source, "no such agent")
    session.commit()
    return Outcome.LOCKED


def check_password(
    session: Session, username: str, password: str, now: datetime, policy: Policy, source: str
) -> PasswordResult:
    """First step of a sign-in. OK means "now ask for the code", not "signed in"."""
    name = (username or "").strip().lower()
    if not _take_address_attempt(session, source, name, now, policy):
        return PasswordResult(Outcome.THROTTLED)
    agent = find_agent(session, username)
    if agent is None:
        _burn_password_check(password)
        return PasswordResult(_unknown_name_failure(session, name, now, policy, source))
    number = _take_attempt(session, agent, now, policy)
    if number is None:
        _burn_password_check(password)
        return PasswordResult(_refuse_locked(session, agent, now, source))
    good = check_password_hash(agent.password_hash, password[:MAX_PASSWORD_CHARS])
    if agent.disabled or not good:
        reason = "account disabled" if agent.disabled else "wrong password"
        return PasswordResult(_record_failure(session, agent, number, reason, now, policy, source))
    # Nothing is reset or logged: the sign-in is complete only with the code.
    _give_back(session, agent, number, policy, source)
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
    _give_back_address(session, source)
    log_event(session, agent, agent.username, "signed_in", now, source)
    session.commit()
    return Outcome.OK


def _usable(session: Session, agent_id: int) -> Agent | None:
    agent = session.get(Agent, agent_id)
    return None if agent is None or agent.disabled else agent


def _start_code_step(
    session: Session, agent_id: int, enrolled: bool, now: datetime, policy: Policy, source: str
) -> tuple[Agent, int] | Outcome:
    """What both code steps do first: the agent must (not) be enrolled yet, and the address
    and the account count the step before the code is looked at."""
    agent = _usable(session, agent_id)
    if agent is None or agent.enrolled is not enrolled:
        return Outcome.FAILED
    if not _take_address_attempt(session, source, agent.username, now, policy):
        return Outcome.THROTTLED
    number = _take_attempt(session, agent, now, policy)
    if number is None:
        return _refuse_locked(session, agent, now, source)
    return agent, number


def verify_code(
    session: Session,
    agent_id: int,
    code: str,
    now: datetime,
    policy: Policy,
    source: str,
    box: SecretBox,
) -> Outcome:
    """Second step for an enrolled agent: the code from their app."""
    started = _start_code_step(session, agent_id, True, now, policy, source)
    if isinstance(started, Outcome):
        return started
    agent, number = started
    step = matching_step(box.open(agent.totp_secret), code, now)
    if step is None:
        return _record_failure(session, agent, number, "wrong code", now, policy, source)
    if not _claim_step(session, agent, step):
        return _record_failure(session, agent, number, "code already used", now, policy, source)
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
    box: SecretBox,
) -> Outcome:
    """Second step for a new agent: the first code from the secret just shown proves the scan.

    Only now is the secret stored, encrypted with ``box``.
    """
    started = _start_code_step(session, agent_id, False, now, policy, source)
    if isinstance(started, Outcome):
        return started
    agent, number = started
    step = matching_step(secret, code, now)
    if step is None:
        reason = "wrong code at enrolment"
        return _record_failure(session, agent, number, reason, now, policy, source)
    agent.totp_secret = box.seal(secret)
    agent.enrolled_at = now
    agent.last_totp_step = step
    log_event(session, agent, agent.username, "enrolled", now, source)
    return _signed_in(session, agent, now, source)


def sign_out(
    session: Session, agent: Agent, console_session: ConsoleSession, now: datetime, source: str
) -> None:
    """End this browser's session on the server: a copy of its cookie is worth nothing now."""
    sessions.revoke(console_session, now)
    log_event(session, agent, agent.username, "signed_out", now, source)
    session.commit()


def agent_events(session: Session, username: str) -> list[AgentEvent]:
    """The security log of one username (agent or not), oldest first."""
    name = (username or "").strip().lower()[:USERNAME_CHARS]
    query = select(AgentEvent).where(AgentEvent.username == name)
    return list(session.execute(query.order_by(AgentEvent.at, AgentEvent.id)).scalars())


def recent_events(session: Session, before: int | None, limit: int) -> list[AgentEvent]:
    """One page of the whole security log, newest first: events older than id ``before``."""
    query = select(AgentEvent).order_by(AgentEvent.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AgentEvent.id < before)
    return list(session.execute(query).scalars())
