"""Agent sign-in rules against real databases (a SQLite file and a throwaway PostgreSQL database).

Fixed clocks throughout: TOTP steps, replays and lock-outs are about time, and a test that
depends on the wall clock would pass or fail by the second it runs in.
"""

from __future__ import annotations

import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import db
from bot.console import auth, sessions
from bot.console.auth import Outcome, Policy
from bot.console.keys import SecretBox
from bot.console.models import Agent, AgentEvent, ConsoleSession
from bot.settings import get_settings
from tests.integration.console import agent_command, console_env

pytest_plugins = ["tests.integration.databases"]

T0 = datetime(2026, 3, 2, 9, 15, 0, tzinfo=timezone.utc)
STEP = timedelta(seconds=30)
PASSWORD = "correct horse battery"
POLICY = Policy(max_failures=3, lockout=timedelta(minutes=15))
SOURCE = "127.0.0.1"
BOX = SecretBox("a test key of at least thirty-two characters")


def new_session(engine: Engine) -> Session:
    return Session(engine, future=True)


def add_agent(engine: Engine, username: str = "anna", password: str = PASSWORD) -> int:
    with new_session(engine) as session:
        return auth.create_agent(session, username, "Anna Ørsted", password, T0).id


def enrolled_agent(engine: Engine, username: str = "anna") -> tuple[int, str]:
    """An agent who enrolled at T0 (so T0's time step is used up)."""
    agent_id = add_agent(engine, username)
    secret = auth.new_totp_secret()
    with new_session(engine) as session:
        code = pyotp.TOTP(secret).at(T0)
        assert auth.confirm_enrolment(session, agent_id, secret, code, T0, POLICY, SOURCE, BOX) is (
            Outcome.OK
        )
    return agent_id, secret


def check_password(engine: Engine, username: str, password: str, now: datetime):
    with new_session(engine) as session:
        return auth.check_password(session, username, password, now, POLICY, SOURCE)


def verify(engine: Engine, agent_id: int, code: str, now: datetime) -> Outcome:
    with new_session(engine) as session:
        return auth.verify_code(session, agent_id, code, now, POLICY, SOURCE, BOX)


def agent(engine: Engine, username: str = "anna") -> Agent:
    with new_session(engine) as session:
        found = auth.find_agent(session, username)
        session.expunge(found)
        return found


def kinds(engine: Engine, username: str = "anna") -> list[str]:
    with new_session(engine) as session:
        return [event.kind for event in auth.agent_events(session, username)]


def test_agent_tables_are_migrated(database_url: str, engine: Engine) -> None:
    assert {"agents", "agent_events"} <= set(inspect(engine).get_table_names())
    command.downgrade(db.alembic_config(database_url), "0002")
    assert not {"agents", "agent_events"} & set(inspect(engine).get_table_names())
    assert "tickets" in inspect(engine).get_table_names()
    db.upgrade(database_url)
    assert {"agents", "agent_events"} <= set(inspect(engine).get_table_names())


def test_create_agent_stores_a_scrypt_hash(engine: Engine) -> None:
    add_agent(engine, "  Anna ")
    stored = agent(engine, "ANNA")
    assert stored.username == "anna" and stored.display_name == "Anna Ørsted"
    assert stored.password_hash.startswith("scrypt:") and PASSWORD not in stored.password_hash
    assert (stored.totp_secret, stored.enrolled_at, stored.enrolled) == (None, None, False)
    assert (stored.failed_attempts, stored.locked_until, stored.disabled) == (0, None, False)
    assert stored.created_at == T0
    assert kinds(engine) == ["created", "password_set"]
    assert "hash" not in repr(stored) and stored.password_hash not in repr(stored)


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("anna", "short", "at least 12"),
        ("anna", " " * 12, "spaces"),
        ("anna", "x" * 1025, "at most"),
        ("", PASSWORD, "username"),
        ("an na", PASSWORD, "username"),
        ("a" * 65, PASSWORD, "username"),
    ],
)
def test_unfit_accounts_are_refused(engine: Engine, username, password, message) -> None:
    with new_session(engine) as session, pytest.raises(auth.AgentError, match=message):
        auth.create_agent(session, username, "", password, T0)


def test_usernames_are_unique_whatever_the_case(engine: Engine) -> None:
    add_agent(engine)
    with new_session(engine) as session, pytest.raises(auth.AgentError, match="already"):
        auth.create_agent(session, "ANNA", "", PASSWORD, T0)


def test_password_then_enrolment_then_code(engine: Engine) -> None:
    agent_id = add_agent(engine)
    result = check_password(engine, "Anna", PASSWORD, T0)
    assert (result.outcome, result.agent_id, result.enrolled) == (Outcome.OK, agent_id, False)

    secret = auth.new_totp_secret()
    with new_session(engine) as session:
        wrong = auth.confirm_enrolment(session, agent_id, secret, "000000", T0, POLICY, SOURCE, BOX)
        assert wrong is Outcome.FAILED
        assert agent(engine).totp_secret is None, "no secret is kept before a right code"
        code = pyotp.TOTP(secret).at(T0)
        assert auth.confirm_enrolment(session, agent_id, secret, code, T0, POLICY, SOURCE, BOX) is (
            Outcome.OK
        )
    stored = agent(engine)
    assert (stored.enrolled_at, stored.enrolled) == (T0, True)
    assert secret not in stored.totp_secret, "stored encrypted"
    assert BOX.open(stored.totp_secret) == secret
    assert (stored.failed_attempts, stored.last_sign_in_at) == (0, T0)

    later = T0 + 5 * STEP
    assert check_password(engine, "anna", PASSWORD, later).enrolled
    assert verify(engine, agent_id, pyotp.TOTP(secret).at(later), later) is Outcome.OK
    assert kinds(engine) == [
        "created",
        "password_set",
        "sign_in_failed",
        "enrolled",
        "signed_in",
        "signed_in",
    ]


def test_a_code_is_good_once(engine: Engine) -> None:
    agent_id, secret = enrolled_agent(engine)
    totp = pyotp.TOTP(secret)
    later = T0 + 4 * STEP
    assert verify(engine, agent_id, totp.at(later), later) is Outcome.OK
    assert verify(engine, agent_id, totp.at(later), later) is Outcome.FAILED, "replayed"
    # The previous step is inside the window but older than the one used: refused as well.
    earlier_code = totp.at(later - STEP)
    assert verify(engine, agent_id, earlier_code, later) is Outcome.FAILED
    assert verify(engine, agent_id, totp.at(later + STEP), later + STEP) is Outcome.OK
    with new_session(engine) as session:
        details = [e.detail for e in auth.agent_events(session, "anna")]
    assert details.count("code already used") == 2


def test_one_step_of_clock_drift_either_way(engine: Engine) -> None:
    agent_id, secret = enrolled_agent(engine)
    totp = pyotp.TOTP(secret)
    now = T0 + 10 * STEP
    assert verify(engine, agent_id, totp.at(now - STEP), now) is Outcome.OK  # phone behind
    assert verify(engine, agent_id, totp.at(now + STEP), now) is Outcome.OK  # phone ahead
    now += 10 * STEP
    assert verify(engine, agent_id, totp.at(now + 2 * STEP), now) is Outcome.FAILED
    assert verify(engine, agent_id, totp.at(now - 2 * STEP), now) is Outcome.FAILED
    code = totp.at(now)
    assert verify(engine, agent_id, f"{code[:3]} {code[3:]}", now) is Outcome.OK


def test_failures_lock_the_account_and_unlock_ends_it(engine: Engine) -> None:
    agent_id, secret = enrolled_agent(engine)
    now = T0 + 2 * STEP
    assert check_password(engine, "anna", "wrong", now).outcome is Outcome.FAILED
    assert check_password(engine, "anna", PASSWORD, now).outcome is Outcome.OK
    # The password alone does not reset the count: codes cannot be guessed forever.
    assert agent(engine).failed_attempts == 1
    assert verify(engine, agent_id, "000000", now) is Outcome.FAILED
    assert verify(engine, agent_id, "111111", now) is Outcome.LOCKED, "third failure locks"
    stored = agent(engine)
    assert stored.locked_until == now + POLICY.lockout
    assert stored.failed_attempts == POLICY.max_failures, "kept until the lock is over"

    # While locked, even the right password and a right code are refused.
    assert check_password(engine, "anna", PASSWORD, now + STEP).outcome is Outcome.LOCKED
    assert verify(engine, agent_id, pyotp.TOTP(secret).at(now + STEP), now + STEP) is (
        Outcome.LOCKED
    )
    after = now + POLICY.lockout
    assert check_password(engine, "anna", PASSWORD, after).outcome is Outcome.OK

    assert verify(engine, agent_id, "000000", after) is Outcome.FAILED
    assert check_password(engine, "anna", "wrong", after).outcome is Outcome.FAILED
    assert check_password(engine, "anna", "wrong", after).outcome is Outcome.LOCKED
    with new_session(engine) as session:
        auth.unlock(session, "anna", after)
    assert check_password(engine, "anna", PASSWORD, after).outcome is Outcome.OK
    assert verify(engine, agent_id, pyotp.TOTP(secret).at(after), after) is Outcome.OK
    assert agent(engine).failed_attempts == 0
    log = kinds(engine)
    assert log.count("locked_out") == 2 and log.count("sign_in_refused") == 2
    assert log[-2:] == ["unlocked", "signed_in"]


def test_unknown_names_fail_and_lock_like_real_ones(engine: Engine) -> None:
    """Same outcomes in the same order, so the replies cannot tell which names exist."""
    add_agent(engine)

    def attempts(username: str) -> list[Outcome]:
        now = T0 + STEP
        outcomes = [check_password(engine, username, "wrong", now).outcome for _ in range(4)]
        outcomes.append(check_password(engine, username, "wrong", now + POLICY.lockout).outcome)
        return outcomes

    expected = [Outcome.FAILED, Outcome.FAILED, Outcome.LOCKED, Outcome.LOCKED, Outcome.FAILED]
    assert attempts("anna") == expected
    assert attempts("nobody") == expected
    assert attempts("bad name with spaces") == expected
    with new_session(engine) as session:
        nobody = auth.agent_events(session, "nobody")
        assert {event.agent_id for event in nobody} == {None}
        assert [event.kind for event in nobody] == [
            "sign_in_failed",
            "sign_in_failed",
            "sign_in_failed",
            "locked_out",
            "sign_in_refused",
            "sign_in_failed",
        ]
        assert all(event.source == SOURCE for event in nobody)


def test_disabled_agents_cannot_sign_in(engine: Engine) -> None:
    add_agent(engine)
    with new_session(engine) as session:
        auth.set_disabled(session, "anna", True, T0)
    assert check_password(engine, "anna", PASSWORD, T0).outcome is Outcome.FAILED
    with new_session(engine) as session:
        auth.set_disabled(session, "anna", False, T0)
    assert check_password(engine, "anna", PASSWORD, T0).outcome is Outcome.OK
    assert "account disabled" in [e.detail for e in _events(engine)]


def _events(engine: Engine) -> list[AgentEvent]:
    with new_session(engine) as session:
        return list(session.execute(select(AgentEvent).order_by(AgentEvent.id)).scalars())


def test_reset_totp_means_enrolling_again(engine: Engine) -> None:
    agent_id, secret = enrolled_agent(engine)
    with new_session(engine) as session:
        auth.reset_totp(session, "anna", T0 + STEP)
    stored = agent(engine)
    assert (stored.totp_secret, stored.enrolled_at, stored.last_totp_step) == (None, None, None)
    assert not check_password(engine, "anna", PASSWORD, T0 + STEP).enrolled
    # The old secret is gone: its codes no longer sign in.
    now = T0 + 3 * STEP
    assert verify(engine, agent_id, pyotp.TOTP(secret).at(now), now) is Outcome.FAILED


def test_set_password(engine: Engine) -> None:
    add_agent(engine)
    with new_session(engine) as session:
        auth.set_password(session, "anna", "a new long password", T0)
        with pytest.raises(auth.AgentError, match="no agent"):
            auth.set_password(session, "bo", "a new long password", T0)
    assert check_password(engine, "anna", PASSWORD, T0).outcome is Outcome.FAILED
    assert check_password(engine, "anna", "a new long password", T0).outcome is Outcome.OK
    assert kinds(engine).count("password_set") == 2


def test_agent_commands(database_url: str, tmp_path) -> None:
    """``python -m bot agent ...`` as an administrator runs it, password piped on stdin."""
    env = console_env(tmp_path / "var", database_url)

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return agent_command(env, *args, stdin=stdin)

    added = run("add", "Bo", "--name", "Bo Berg", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "Agent bo (Bo Berg) created" in added.stdout
    assert (
        run("add", "bo", stdin=PASSWORD).stderr.strip() == "error: there is already an agent 'bo'"
    )
    short = run("add", "cai", stdin="short\n")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    assert run("add", "dan", stdin="").stderr.strip() == "error: no password on standard input"
    assert run("unlock", "nobody").stderr.strip() == "error: there is no agent 'nobody'"
    for step in ("unlock", "reset-totp", "disable", "enable"):
        done = run(step, "bo")
        assert done.returncode == 0, done.stderr
    assert run("set-password", "bo", stdin="another long password\n").returncode == 0

    engine = db.make_engine(database_url)
    try:
        with new_session(engine) as session:
            stored = auth.find_agent(session, "bo")
            assert (stored.display_name, stored.disabled) == ("Bo Berg", False)
            assert [(e.kind, e.source) for e in auth.agent_events(session, "bo")] == [
                ("created", "cli"),
                ("password_set", "cli"),
                ("unlocked", "cli"),
                ("totp_reset", "cli"),
                ("disabled", "cli"),
                ("enabled", "cli"),
                ("password_set", "cli"),
            ]
            assert auth.find_agent(session, "cai") is None
        result = check_password(engine, "bo", "another long password", T0)
        assert result.outcome is Outcome.OK
    finally:
        engine.dispose()


def test_parallel_wrong_codes_get_only_the_allowed_tries(engine: Engine) -> None:
    """The lock check and the count are one UPDATE: requests racing past a "not locked yet"
    check cannot each get a try (on SQLite's file lock and PostgreSQL's row lock alike)."""
    agent_id, secret = enrolled_agent(engine)
    now = T0 + 4 * STEP
    valid = {pyotp.TOTP(secret).at(now, counter_offset=offset) for offset in (-1, 0, 1)}
    code = next(c for c in ("000000", "111111", "222222") if c not in valid)
    guessers = 20
    start = threading.Barrier(guessers)

    def guess(number: int) -> Outcome:
        start.wait()
        with new_session(engine) as session:
            return auth.verify_code(
                session, agent_id, code, now, POLICY, f"203.0.113.{number}", BOX
            )

    with ThreadPoolExecutor(guessers) as pool:
        outcomes = list(pool.map(guess, range(guessers)))
    assert outcomes.count(Outcome.FAILED) == POLICY.max_failures - 1
    assert outcomes.count(Outcome.LOCKED) == guessers - POLICY.max_failures + 1
    details = [e.detail for e in _events(engine) if e.kind == "sign_in_failed"]
    assert details == ["wrong code"] * POLICY.max_failures


def test_one_address_gets_a_limited_number_of_failures(engine: Engine) -> None:
    add_agent(engine)
    policy = Policy(max_failures=3, address_failures=4, address_window=timedelta(minutes=10))

    def attempt(username: str, password: str, now: datetime, source: str = SOURCE) -> Outcome:
        with new_session(engine) as session:
            return auth.check_password(session, username, password, now, policy, source).outcome

    # Right passwords are no failures: they do not use up the address's allowance.
    assert [attempt("anna", PASSWORD, T0) for _ in range(6)] == [Outcome.OK] * 6
    tried = [attempt(f"name{number}", "wrong", T0) for number in range(6)]
    assert tried == [Outcome.FAILED] * 4 + [Outcome.THROTTLED] * 2
    assert attempt("anna", PASSWORD, T0 + STEP) is Outcome.THROTTLED
    assert attempt("anna", PASSWORD, T0 + STEP, "192.0.2.9") is Outcome.OK, "others go on"
    assert attempt("anna", PASSWORD, T0 + policy.address_window) is Outcome.OK, "window over"
    limited = [e for e in _events(engine) if e.kind == "address_limited"]
    assert [(e.username, e.source) for e in limited] == [("name4", SOURCE)]
    assert [e.username for e in _events(engine) if e.kind == "sign_in_failed"] == [
        f"name{number}" for number in range(4)
    ], "refused tries cost no row"


def test_sessions_end_at_sign_out_and_at_admin_steps(engine: Engine) -> None:
    agent_id, _ = enrolled_agent(engine)
    lifetime = timedelta(hours=8)

    def start() -> str:
        with new_session(engine) as session:
            return sessions.start(session, agent_id, T0, lifetime, signed_in=True)

    def live(token: str, now: datetime = T0 + STEP) -> bool:
        with new_session(engine) as session:
            return sessions.find(session, token, now) is not None

    token = start()
    assert live(token) and not live(token, T0 + lifetime), "expired"
    assert not live("not-a-token") and not live(None)
    with new_session(engine) as session:
        row = sessions.find(session, token, T0)
        auth.sign_out(session, session.get(Agent, agent_id), row, T0, SOURCE)
    assert not live(token)

    for step in (
        lambda session: auth.set_password(session, "anna", "another long password", T0),
        lambda session: auth.reset_totp(session, "anna", T0),
        lambda session: auth.set_disabled(session, "anna", True, T0),
    ):
        tokens = [start(), start()]
        with new_session(engine) as session:
            step(session)
        assert not any(live(token) for token in tokens)
    with new_session(engine) as session:
        assert session.query(ConsoleSession).filter_by(revoked_at=None).count() == 0


def test_migration_encrypts_stored_totp_secrets(database_url: str, engine: Engine, monkeypatch):
    key = "migration test key, long enough to be a key"
    monkeypatch.setenv("MFA_CONSOLE_TOTP_KEY", key)
    get_settings.cache_clear()
    try:
        agent_id = add_agent(engine)
        command.downgrade(db.alembic_config(database_url), "0003")
        clear = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE agents SET totp_secret = :secret WHERE id = :id"),
                {"secret": clear, "id": agent_id},
            )
        db.upgrade(database_url)
        stored = agent(engine).totp_secret
        assert clear not in stored and SecretBox(key).open(stored) == clear
        command.downgrade(db.alembic_config(database_url), "0003")
        with engine.connect() as connection:
            back = connection.execute(text("SELECT totp_secret FROM agents")).scalar_one()
        assert back == clear, "the downgrade decrypts"
        db.upgrade(database_url)
    finally:
        get_settings.cache_clear()
