"""Admin commands for agent accounts: ``python -m bot agent add | set-password | ...``.

There is no sign-up page: an administrator with shell access creates agents, which keeps
the console's attack surface to signing in. Passwords come from a prompt (typed twice, never
echoed) or from standard input for scripts, never from the command line, where other users
of the machine could read them in the process list.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TextIO

from sqlalchemy.orm import Session

from bot import db
from bot.console import auth


class PasswordError(Exception):
    """No usable password was given (nothing on stdin, two different entries)."""


def read_password(from_stdin: bool, stdin: TextIO | None = None) -> str:
    """The new password: one line of standard input, or typed twice at a terminal."""
    stdin = stdin or sys.stdin
    if from_stdin or not stdin.isatty():
        line = stdin.readline()
        if not line:
            raise PasswordError("no password on standard input")
        return line.rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise PasswordError("the passwords differ")
    return first


def _run(step: Callable[[Session, datetime], str]) -> int:
    try:
        with db.session() as session:
            print(step(session, datetime.now(timezone.utc)))
    except (auth.AgentError, PasswordError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def add(username: str, name: str | None, password_stdin: bool, admin: bool = False) -> int:
    def step(session: Session, now: datetime) -> str:
        if auth.find_agent(session, username) is not None:
            raise auth.AgentError(f"there is already an agent {username!r}")
        password = read_password(password_stdin)
        agent = auth.create_agent(session, username, name or "", password, now, admin=admin)
        return (
            f"Agent {agent.username} ({agent.display_name}) created. They set up their "
            "authenticator app at their first sign-in."
        )

    return _run(step)


def set_password(username: str, password_stdin: bool) -> int:
    def step(session: Session, now: datetime) -> str:
        if auth.find_agent(session, username) is None:
            raise auth.AgentError(f"there is no agent {username!r}")
        auth.set_password(session, username, read_password(password_stdin), now)
        return f"New password set for {username}; their console sessions have ended."

    return _run(step)


def reset_totp(username: str) -> int:
    def step(session: Session, now: datetime) -> str:
        auth.reset_totp(session, username, now)
        return (
            f"{username} sets up their authenticator app again at the next sign-in; their "
            "console sessions have ended."
        )

    return _run(step)


def unlock(username: str) -> int:
    def step(session: Session, now: datetime) -> str:
        auth.unlock(session, username, now)
        return f"{username} is unlocked."

    return _run(step)


def set_disabled(username: str, disabled: bool) -> int:
    def step(session: Session, now: datetime) -> str:
        auth.set_disabled(session, username, disabled, now)
        return f"{username} is {'disabled' if disabled else 'enabled'}."

    return _run(step)


def set_admin(username: str, admin: bool) -> int:
    def step(session: Session, now: datetime) -> str:
        auth.set_admin(session, username, admin, now)
        return f"{username} {'may' if admin else 'may no longer'} read the console's security log."

    return _run(step)


def set_content_owner(username: str, owner: bool) -> int:
    def step(session: Session, now: datetime) -> str:
        auth.set_content_owner(session, username, owner, now)
        return (
            f"{username} {'may' if owner else 'may no longer'} read the insights and work the "
            "review queue."
        )

    return _run(step)
