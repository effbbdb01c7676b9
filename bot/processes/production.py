"""`python -m bot production`: Rasa's scale-out design, started locally from installed packages.

PostgreSQL holds the conversations (tracker store) and the tickets, Redis the conversation
locks, so that two or more Rasa replicas can answer any message of any conversation; nginx
balances the replicas round robin; one stateless action server serves them all, beside the
ticket outbox worker and the servicedesk console. Crashed processes are restarted, as systemd
or Kubernetes would in a real deployment (docs/operations.md). The processes are the ones
`python -m bot run` starts (bot/processes/runner.py), only more of them and on shared stores.
"""

from __future__ import annotations

import sys

from sqlalchemy.engine import make_url

from bot.channels.telegram.config import TelegramConfigError
from bot.channels.telegram.config import preflight as telegram_preflight
from bot.processes.credentials import write_credentials
from bot.processes.endpoints import write_endpoints
from bot.processes.nginx import (
    NginxMissing,
    ReplicaGate,
    nginx_service,
    replica_ports,
    write_config,
)
from bot.processes.runner import (
    Service,
    action_server,
    background_services,
    rasa_server,
    supervise,
)
from bot.processes.stores import StoreError, prepare_stores
from bot.processes.training import ensure_model, rasa_environment
from bot.settings import Settings

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432"
LOCAL_TRACKER_STORE_URL = f"{LOCAL_POSTGRES}/mfa_trackers"
LOCAL_DATABASE_URL = f"{LOCAL_POSTGRES}/mfa_assistant"
LOCAL_LOCK_STORE_URL = "redis://127.0.0.1:6379/0"
LOOPBACK_PROXIES = "127.0.0.1, ::1"  # nginx, in front of the replicas


class ProfileError(StoreError):
    """The profile was given stores it cannot share between replicas; the message says which."""


def production_settings(settings: Settings) -> Settings:
    """The settings with the production stores filled in where the environment left them empty.

    SQLite files and an in-memory lock store cannot be shared by replicas, so the profile
    refuses them rather than start replicas that would each see their own conversations.
    """
    profile = settings.copy(
        update={
            "tracker_store_url": settings.tracker_store_url or LOCAL_TRACKER_STORE_URL,
            "database_url": settings.database_url or LOCAL_DATABASE_URL,
            "lock_store_url": settings.lock_store_url or LOCAL_LOCK_STORE_URL,
            # The replicas hear every client through nginx on loopback: believe what it adds
            # to X-Forwarded-For, or the whole campus would share one address's rate limit.
            "trusted_proxies": settings.trusted_proxies or LOOPBACK_PROXIES,
        }
    )
    for name in ("tracker_store_url", "database_url"):
        if make_url(getattr(profile, name)).get_backend_name() != "postgresql":
            raise ProfileError(
                f"MFA_{name.upper()} must be a postgresql:// URL in the production profile: "
                "replicas share conversations and tickets through it."
            )
    return profile


def build_stages(settings: Settings) -> tuple[list[list[Service]], ReplicaGate]:
    """Processes in start-up order, each stage once the one before answers.

    The first replica starts alone so that it creates the tracker store's tables before the
    others look for them (two replicas creating them at once would fail one of them).
    """
    model = ensure_model(settings.models_dir)
    endpoints = write_endpoints(settings)
    credentials = write_credentials(settings)
    replicas = [
        rasa_server(
            settings,
            model,
            endpoints,
            credentials,
            port,
            name=f"Rasa replica {index} (:{port})",
            log_name=f"rasa-{index}.log",
        )
        for index, port in enumerate(replica_ports(settings), start=1)
    ]
    first = [action_server(settings), replicas[0], *background_services(settings)]
    balancer = nginx_service(settings, write_config(settings))
    return [first, replicas[1:], [balancer]], ReplicaGate(settings, balancer)


def run(settings: Settings) -> int:
    """Run the production profile until Ctrl-C or SIGTERM; the exit code for the command line."""
    try:
        settings = production_settings(settings)
        telegram = telegram_preflight(settings)
        prepare_stores(settings)
        stages, gate = build_stages(settings)
    except (StoreError, NginxMissing, TelegramConfigError) as error:
        print(str(error), file=sys.stderr, flush=True)
        return 1
    env = {
        **rasa_environment(),
        # Every child reads the same stores as this process decided on.
        "MFA_TRACKER_STORE_URL": settings.tracker_store_url,
        "MFA_DATABASE_URL": settings.database_url,
        "MFA_LOCK_STORE_URL": settings.lock_store_url,
        "MFA_TRUSTED_PROXIES": settings.trusted_proxies,
    }
    return supervise(
        stages,
        env,
        on_ready=lambda: print_ready_banner(settings, telegram),
        restart_crashed=True,
        every_second=gate.check,
    )


def print_ready_banner(settings: Settings, telegram: str | None) -> None:
    if telegram:
        print(f"  {telegram}", flush=True)
    base = f"http://{settings.host}:{settings.load_balancer_port}"
    replicas = ", ".join(str(port) for port in replica_ports(settings))
    print(
        "\nThe MFA assistant is running (production profile).\n"
        f"  Load balancer (nginx):  {base}  ->  Rasa replicas on ports {replicas}\n"
        f"  REST:  POST {base}/webhooks/rest/webhook  "
        '{"sender": "me", "message": "hello"}\n'
        f"  Widget:  {base}/webhooks/webchat/widget.js\n"
        f"  Servicedesk console:  http://{settings.host}:{settings.console_port}/\n"
        f"  Stores:  trackers {_safe(settings.tracker_store_url)}, "
        f"tickets {_safe(settings.database_url)}, locks {_safe(settings.lock_store_url)}\n"
        f"  Logs:  {settings.var_dir / 'logs'}\n"
        "Crashed processes are restarted. Press Ctrl-C to stop.\n",
        flush=True,
    )


def _safe(url: str) -> str:
    """A store's URL without its password, for the banner."""
    return make_url(url).render_as_string(hide_password=True)
