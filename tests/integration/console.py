"""Run the real servicedesk console (`python -m bot console`) for a test, and talk to it.

The console runs as its own process on a free loopback port, exactly as in production (waitress,
migrations at start-up, the key file in its var dir); tests reach it over real HTTP and read
the same database directly to check what was recorded.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyotp
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import db
from bot.console.models import Agent
from bot.processes.runner import spawn
from tests.integration.assistant import free_port

READY_TIMEOUT_S = 60
PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SECRET = re.compile(r'id="manual-secret"[^>]*>([^<]+)<')


@dataclass
class RunningConsole:
    process: subprocess.Popen
    port: int
    env: dict[str, str]
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> int:
        """SIGTERM, as the runner stops its children; returns the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def console_env(var_dir: Path, database_url: str, **settings: str) -> dict[str, str]:
    env = {
        **os.environ,
        "MFA_VAR_DIR": str(var_dir),
        "MFA_DATABASE_URL": database_url,
        "MFA_HOST": "127.0.0.1",
    }
    env.update({f"MFA_{name.upper()}": value for name, value in settings.items()})
    return env


def start_console(env: dict[str, str]) -> RunningConsole:
    port = free_port()
    env = {**env, "MFA_CONSOLE_PORT": str(port)}
    log = Path(env["MFA_VAR_DIR"]) / "console.log"
    process = spawn([sys.executable, "-m", "bot", "console"], env, log)
    console = RunningConsole(process, port, env, log)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            if requests.get(console.url("/health"), timeout=2).status_code == 200:
                return console
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            console.stop()
            raise RuntimeError(f"The console did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def agent_command(env: dict[str, str], *args: str, stdin: str | None = None):
    """``python -m bot agent ...`` as an administrator runs it (no terminal: stdin is piped)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "agent", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def add_agent(env: dict[str, str], username: str, name: str, password: str = PASSWORD) -> None:
    done = agent_command(env, "add", username, "--name", name, "--password-stdin", stdin=password)
    assert done.returncode == 0, done.stderr
    assert f"Agent {username} ({name}) created" in done.stdout


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def manual_secret(html: str) -> str:
    match = _SECRET.search(html)
    assert match, "no manual-entry secret on the enrolment page"
    return match.group(1).replace(" ", "")


def fresh_code(secret: str, last_step: int | None) -> str:
    """A code the console will accept: inside the ±1 step window and newer than the last used.

    Right after a sign-in, the current step is used up; the next step's code is still inside
    the window, as a phone whose clock runs a few seconds ahead would show it.
    """
    totp = pyotp.TOTP(secret)
    while True:
        now = time.time()
        for offset in (0, 1):
            if last_step is None or totp.timecode(now) + offset > last_step:
                return totp.at(now, counter_offset=offset)
        time.sleep(1)


def last_step(session_factory, username: str) -> int | None:
    with session_factory() as session:
        return session.execute(
            select(Agent.last_totp_step).where(Agent.username == username)
        ).scalar_one()


def sign_in(
    http: requests.Session,
    console: RunningConsole,
    username: str,
    secret: str | None,
    session_factory,
    password: str = PASSWORD,
) -> str:
    """Sign in through the forms (enrolling when ``secret`` is None); returns the TOTP secret."""
    page = http.get(console.url("/sign-in"))
    answer = http.post(
        console.url("/sign-in"),
        data={"csrf_token": csrf_token(page.text), "username": username, "password": password},
    )
    assert answer.status_code == 200, answer.text
    if secret is None:
        assert answer.url.endswith("/enrol")
        secret = manual_secret(answer.text)
        confirm = "/enrol"
    else:
        assert answer.url.endswith("/sign-in/code")
        confirm = "/sign-in/code"
    code = fresh_code(secret, last_step(session_factory, username))
    done = http.post(
        console.url(confirm), data={"csrf_token": csrf_token(answer.text), "code": code}
    )
    assert done.status_code == 200 and done.url.endswith("/tickets"), done.text
    return secret


def new_session_factory(engine):
    return lambda: Session(engine, future=True)


@contextmanager
def running_console(env: dict[str, str]) -> Iterator[RunningConsole]:
    """A console for a test module; it must stop cleanly afterwards."""
    running = start_console(env)
    yield running
    assert running.stop() == 0, running.log.read_text()[-2000:]


@contextmanager
def database_sessions(env: dict[str, str]) -> Iterator[Callable[[], Session]]:
    """Sessions on the console's database (migrated by the console at start-up)."""
    engine = db.make_engine(env["MFA_DATABASE_URL"])
    yield lambda: Session(engine, future=True)
    engine.dispose()
