"""Start the whole assistant (Rasa, actions, ticket outbox, console) and stop it cleanly.

Rasa's own scale-out design runs these as separate processes; on a laptop one command should
still bring the whole assistant up, say where to talk to it, and leave nothing behind on Ctrl-C.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.channels.telegram.config import TelegramConfigError
from bot.channels.telegram.config import preflight as telegram_preflight
from bot.processes.credentials import write_credentials
from bot.processes.endpoints import write_endpoints
from bot.processes.training import RASA_WITH_HOOKS, ensure_model, rasa_environment
from bot.rasa_ext import cors
from bot.settings import PROJECT_ROOT, Settings

STARTUP_TIMEOUT_S = 180
STOP_TIMEOUT_S = 20
# Pauses before restarting a crashed service (production profile): doubled per crash in a row.
FIRST_RESTART_DELAY_S = 2.0
MAX_RESTART_DELAY_S = 60.0
# A service that ran this long before crashing starts again from the first pause.
STABLE_AFTER_S = 120.0


def spawn(
    command: list[str], env: dict[str, str], log_path: Path, cwd: Path = PROJECT_ROOT
) -> subprocess.Popen:
    """Start a process (in the project root), logging to a file, in a session of its own.

    Its own session means a terminal's Ctrl-C reaches only the parent, which then stops its
    children in order instead of all of them dying at once mid-request.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


@dataclass
class Service:
    """One child process with the URL that answers once it is ready (None: running is ready)."""

    name: str
    command: list[str]
    ready_url: str | None
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)
    started_at: float = field(default=0.0, repr=False)
    restart_at: float | None = field(default=None, repr=False)
    restart_delay: float = field(default=FIRST_RESTART_DELAY_S, repr=False)

    def start(self, env: dict[str, str]) -> None:
        self.process = spawn(self.command, env, self.log_path)
        self.started_at = time.monotonic()
        self.restart_at = None

    def restart_later(self, env: dict[str, str]) -> None:
        """Called while the service is down: start it again once its pause is over.

        The pause doubles with every crash in a row (a service that cannot start must not spin
        the CPU) and starts over once the service had run for a while.
        """
        now = time.monotonic()
        if self.restart_at is None:
            if now - self.started_at > STABLE_AFTER_S:
                self.restart_delay = FIRST_RESTART_DELAY_S
            code = self.process.returncode if self.process else None
            print(
                f"The {self.name} stopped unexpectedly (exit code {code}); "
                f"restarting it in {self.restart_delay:.0f} s. Log: {self.log_path}",
                file=sys.stderr,
                flush=True,
            )
            self.restart_at = now + self.restart_delay
            self.restart_delay = min(self.restart_delay * 2, MAX_RESTART_DELAY_S)
        elif now >= self.restart_at:
            print(f"  Restarting the {self.name}.", flush=True)
            self.start(env)

    def is_ready(self) -> bool:
        if self.ready_url is None:
            return self.process is not None and self.process.poll() is None
        try:
            with urllib.request.urlopen(self.ready_url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def reload(self) -> None:
        """Ask the process to reload its configuration (SIGHUP), if it is running."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGHUP)

    def has_exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def action_server(settings: Settings) -> Service:
    """Rasa SDK's action server (bot/rasa_ext/action_server.py): stateless, so one serves every Rasa
    replica."""
    return Service(
        name="action server",
        command=[
            sys.executable, "-m", "bot.rasa_ext.action_server",
            "--host", settings.action_host,
            "--port", str(settings.action_port),
        ],
        ready_url=f"{settings.action_server_base_url}/health",
        log_path=settings.var_dir / "logs" / "actions.log",
    )  # fmt: skip


def rasa_server(
    settings: Settings,
    model: Path,
    endpoints: Path,
    credentials: Path | None,
    port: int,
    name: str = "Rasa server",
    log_name: str = "rasa.log",
) -> Service:
    """One Rasa server; the production profile runs several of these on their own ports.

    It runs through bot.rasa_ext.rasa_server, Rasa's own command line with the assistant's
    answer for an unreachable action server installed (bot/rasa_ext/action_failures.py).
    """
    return Service(
        name=name,
        command=[
            sys.executable, "-m", RASA_WITH_HOOKS, "run",
            "--model", str(model),
            "--endpoints", str(endpoints),
            "--credentials", str(credentials or PROJECT_ROOT / "credentials.yml"),
            "--interface", settings.host,
            "--port", str(port),
            "--cors", *(cors.origins(settings.cors_origins) or ["*"]),
        ],
        ready_url=f"http://127.0.0.1:{port}/ready",
        log_path=settings.var_dir / "logs" / log_name,
    )  # fmt: skip


def background_services(settings: Settings) -> list[Service]:
    """The processes beside Rasa and the actions: outbox, console, and the Telegram poller."""
    logs = settings.var_dir / "logs"
    python = sys.executable
    # Sends new tickets to the servicedesk by e-mail/webhook, retrying; idle when unconfigured.
    outbox = Service(
        name="ticket outbox worker",
        command=[python, "-m", "bot", "outbox"],
        ready_url=f"http://127.0.0.1:{settings.outbox_port}/ready",
        log_path=logs / "outbox.log",
    )
    console = Service(
        name="servicedesk console",
        command=[python, "-m", "bot", "console"],
        ready_url=f"http://127.0.0.1:{settings.console_port}/health",
        log_path=logs / "console.log",
    )
    services = [outbox, console]
    if settings.telegram_mode == "polling":
        # Fetches Telegram updates and hands them to the Rasa server's Telegram route.
        services.append(
            Service(
                name="Telegram poller",
                command=[python, "-m", "bot", "telegram-poll"],
                ready_url=None,
                log_path=logs / "telegram-poll.log",
            )
        )
    return services


def build_services(
    settings: Settings, model: Path, endpoints: Path, credentials: Path | None = None
) -> list[Service]:
    """The embedded-default profile: one of each process."""
    rasa = rasa_server(settings, model, endpoints, credentials, settings.rasa_port)
    return [action_server(settings), rasa, *background_services(settings)]


class StopRequested(Exception):
    """Raised from the signal handler so that start-up waits can be interrupted too."""


def _raise_stop(signum: int, _frame: object) -> None:
    raise StopRequested(signal.Signals(signum).name)


def wait_until_ready(services: list[Service]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    pending = list(services)
    while pending:
        for service in list(pending):
            if service.has_exited():
                raise RuntimeError(
                    f"The {service.name} stopped during start-up. "
                    f"Last lines of {service.log_path}:\n{service.log_tail()}"
                )
            if service.is_ready():
                print(f"  {service.name} is ready.", flush=True)
                pending.remove(service)
        if time.monotonic() > deadline:
            names = ", ".join(service.name for service in pending)
            raise RuntimeError(f"Not ready after {STARTUP_TIMEOUT_S} s: {names}")
        time.sleep(0.5)


def run(settings: Settings) -> int:
    """Run every service until Ctrl-C or SIGTERM; returns the exit code for the command line."""
    try:
        # Before anything starts (or trains): a Telegram mistake is one sentence, exit code 1.
        telegram = telegram_preflight(settings)
    except TelegramConfigError as error:
        print(str(error), file=sys.stderr, flush=True)
        return 1
    model = ensure_model(settings.models_dir)
    endpoints = write_endpoints(settings)
    credentials = write_credentials(settings)
    services = build_services(settings, model, endpoints, credentials)
    return supervise(
        [services],
        rasa_environment(),
        on_ready=lambda: print_ready_banner(settings, telegram),
        restart_crashed=False,
    )


def supervise(
    stages: list[list[Service]],
    env: dict[str, str],
    on_ready: Callable[[], None],
    restart_crashed: bool,
    every_second: Callable[[], None] | None = None,
) -> int:
    """Start the services stage by stage, then watch them until Ctrl-C or SIGTERM.

    A stage starts once the one before it answers, so later stages may rely on what earlier
    ones prepared (e.g. a first Rasa replica creating the tracker tables). A crashed service
    stops everything on a laptop (``restart_crashed`` False: the developer should see it); the
    production profile restarts it instead, with a growing pause, as systemd or Kubernetes would.
    ``every_second`` runs in the watch loop (the production profile's ReplicaGate).
    Returns the exit code for the command line.
    """
    services = [service for stage in stages for service in stage]
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        print("Starting the assistant ...", flush=True)
        for stage in stages:
            for service in stage:
                service.start(env)
            wait_until_ready(stage)
        on_ready()
        while True:
            time.sleep(1)
            crashed = [service for service in services if service.has_exited()]
            if crashed and not restart_crashed:
                print(
                    f"The {crashed[0].name} stopped unexpectedly:\n{crashed[0].log_tail()}",
                    file=sys.stderr,
                )
                return 1
            for service in crashed:
                service.restart_later(env)
            if every_second is not None:
                every_second()
    except StopRequested:
        print("\nStopping ...", flush=True)
        return 0
    except RuntimeError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for service in reversed(services):
            service.stop()
        print("Stopped.", flush=True)


def print_ready_banner(settings: Settings, telegram: str | None = None) -> None:
    if telegram:
        print(f"  {telegram}", flush=True)
    base = f"http://{settings.host}:{settings.rasa_port}"
    print(
        "\nThe MFA assistant is running.\n"
        f"  Demo intranet page with the chat widget:  {base}/webhooks/webchat/demo\n"
        f'  Widget for any page:  <script src="{base}/webhooks/webchat/widget.js" defer>'
        "</script>\n"
        f"  REST:  POST {base}/webhooks/rest/webhook  "
        '{"sender": "me", "message": "hello"}\n'
        "  Chat in this terminal:  make chat   (in a second terminal)\n"
        f"  Servicedesk console:  http://{settings.host}:{settings.console_port}/  "
        "(create an agent: .venv/bin/python -m bot agent add <username>)\n"
        f"  Logs:  {settings.var_dir / 'logs'}\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )
