"""`python -m bot prepare | rasa | actions`: the processes one at a time, for a service manager.

`python -m bot run` and `production` start and watch every process themselves. On a server,
systemd (deploy/systemd/) or a container runtime does that instead, one unit per process,
with its own restarts, logs and limits. `prepare` does once, before the others start, what the
runner does before it starts anything: train if the data changed, migrate the database, render
Rasa's endpoints.yml and credentials.yml into the runtime directory. `rasa` and `actions` then
become (exec) exactly the process the runner would start, so the service manager watches,
signals and restarts the real one. The outbox worker and the console are `python -m bot
outbox` and `python -m bot console` as they are.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from bot.processes.credentials import write_credentials
from bot.processes.endpoints import write_endpoints
from bot.processes.runner import Service, action_server, rasa_server
from bot.processes.stores import StoreError, prepare_stores
from bot.processes.training import ensure_model, model_path, rasa_environment
from bot.settings import PROJECT_ROOT, Settings


def prepare(settings: Settings) -> int:
    """Train if needed, create missing databases, migrate, create the tracker tables, render
    Rasa's configuration; 0 when every step worked, else 1 with the reason."""
    model = ensure_model(settings.models_dir)
    try:
        prepare_stores(settings)
    except StoreError as error:
        print(str(error), file=sys.stderr, flush=True)
        return 1
    endpoints, credentials = write_endpoints(settings), write_credentials(settings)
    print(f"Ready to serve {model.name} with {endpoints} and {credentials}.", flush=True)
    return 0


def prepared_rasa(settings: Settings, port: int | None) -> Service:
    """The Rasa server the runner would start on `port`, on what `prepare` made.

    Fails with a sentence, not a training run, when prepare has not run for this data:
    several replicas starting at once must not each train.
    """
    model = model_path(settings.models_dir)
    endpoints = settings.var_dir / "endpoints.yml"
    credentials = settings.var_dir / "credentials.yml"
    missing = [str(path) for path in (model, endpoints, credentials) if not path.exists()]
    if missing:
        raise SystemExit(
            f"Not prepared: {', '.join(missing)} missing. Run `python -m bot prepare` first "
            "(the systemd unit mfa-prepare.service does)."
        )
    return rasa_server(settings, model, endpoints, credentials, port or settings.rasa_port)


def become(service: Service) -> NoReturn:
    """Replace this process with the service's command (same pid for the service manager)."""
    command: list[str] = service.command
    os.chdir(PROJECT_ROOT)  # where the runner starts its children
    os.execve(command[0], command, rasa_environment())


def rasa(settings: Settings, port: int | None) -> NoReturn:
    become(prepared_rasa(settings, port))


def actions(settings: Settings) -> NoReturn:
    become(action_server(settings))
