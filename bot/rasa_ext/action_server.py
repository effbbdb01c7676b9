"""Rasa SDK's action server, answering only the Rasa servers of this deployment.

Rasa SDK's own server listens on every interface and runs any action for anyone who posts a
tracker to /webhook: a hand-made tracker could read another conversation's ticket status, or
create a ticket that skipped the form's checks and the rate limit, with a made-up transcript
that an agent would trust. So this entry point starts the same application (rasa_sdk's
create_app, with this project's actions) on the configured interface, loopback by default,
and refuses every call that does not carry the shared secret that Rasa sends (rendered into
endpoints.yml by bot/processes/endpoints.py): 401, logged. Only /health, /ready and /metrics
stay open, for the supervisor, a load balancer and Prometheus; they tell nothing about anyone.

The secret is configured (MFA_ACTION_SECRET) or generated once into the runtime directory,
readable by the owner only, like the console's key.

`python -m bot.rasa_ext.action_server [--host H] [--port P]` (bot/processes/runner.py starts it).
"""

from __future__ import annotations

import argparse
import hmac
import logging
from typing import Any

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import json_logs, private_logs, request_ids
from bot.domain import action_names, load_domain
from bot.metrics.actions import observe_action
from bot.rasa_ext.service_routes import add_probes, time_requests
from bot.readiness import database_check
from bot.secret_files import persisted_secret
from bot.settings import Settings, get_settings

logger = logging.getLogger("bot.rasa_ext.action_server")

HEADER = "X-Action-Secret"
SECRET_FILE = "action-secret"
ACTIONS_PACKAGE = "actions"
OPEN_PATHS = frozenset({"/health", "/ready", "/metrics"})


def action_secret(settings: Settings) -> str:
    """The secret Rasa sends and the action server checks: configured, or made once."""
    if settings.action_secret:
        return settings.action_secret
    return persisted_secret(settings.var_dir / SECRET_FILE)


def has_secret(request: Request, secret: str) -> bool:
    given = request.headers.get(HEADER, "")
    return hmac.compare_digest(given.encode(), secret.encode())


def _body(request: Request) -> dict[str, Any]:
    """An action call's JSON body ({"next_action", "tracker", ...}), or {} if it is not one."""
    try:
        body = request.json
    except Exception:  # not JSON: Rasa SDK answers it with an error
        return {}
    return body if isinstance(body, dict) else {}


def guarded_app(secret: str, actions: str = ACTIONS_PACKAGE) -> Sanic:
    """Rasa SDK's application with the shared secret required on every path but /health,
    /ready (the tickets database answers) and /metrics (bot/rasa_ext/service_routes.py).

    No cross-origin access either: only Rasa calls this server, never a browser.
    """
    app = create_app(actions, cors_origins=None)

    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or has_secret(request, secret):
            return None
        logger.warning(
            "Refused %s %s from %s: no valid %s header.",
            request.method,
            request.path,
            request.ip,
            HEADER,
        )
        return response.json(
            {"error": f"Action calls need the {HEADER} header that Rasa is configured with."},
            status=401,
        )

    app.register_middleware(require_secret, "request")
    # Only calls that passed the secret are timed and counted.
    known = action_names(load_domain())

    async def carry_request_id(request: Request) -> None:
        if request.path == "/webhook":
            body = _body(request)
            request_ids.current.set(request_ids.from_tracker(body.get("tracker") or {}))

    app.register_middleware(carry_request_id, "request")

    def answered(request: Request, status: int, seconds: float) -> None:
        name = _body(request).get("next_action")
        observe_action(name, known, status, seconds)
        action = name if isinstance(name, str) and name in known else "an unknown action"
        logger.info("%s answered %d", action, status, extra={"duration_ms": seconds * 1000})

    time_requests(app, lambda request: request.path == "/webhook", answered)
    tickets = database_check(get_settings().resolved_database_url)
    add_probes(app, lambda _app: {"tickets database": tickets})

    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        # Rasa SDK's own handler answers with the whole request (every slot, the user's
        # message) and Rasa writes that answer into its log. The name of the error is enough
        # to find the traceback here; nothing the user typed goes into either log.
        logger.error(
            "Action call %s %s failed: %s",
            request.method,
            request.path,
            type(exception).__name__,
            exc_info=(type(exception), exception, exception.__traceback__),
        )
        return response.json({"error": f"The action failed ({type(exception).__name__})."}, 500)

    app.exception(Exception)(failed)  # registered after Rasa SDK's handler: replaces it
    return app


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(description="The assistant's action server.")
    parser.add_argument("--host", default=settings.action_host)
    parser.add_argument("--port", type=int, default=settings.action_port)
    args = parser.parse_args(argv)
    private_logs.install()  # actions' errors quote tickets' fields: tracebacks without them
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    json_logs.install("actions", settings.log_format)
    app = guarded_app(action_secret(settings))
    logger.info("Action server on http://%s:%s", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
