"""/health, /ready and /metrics on every Rasa server, and the chat requests timed for /metrics.

The action server uses the same `add_probes` and `time_requests` for its own /ready and
/metrics and its actions' timing (bot/rasa_ext/action_server.py).

Rasa's server offers `/` ("Hello from Rasa") and, with its HTTP API on, a `/status` behind the
API's token; neither says whether the replica can answer a user. The Rasa server process
(bot/rasa_ext/rasa_server.py) wraps Rasa's `configure_app` so the app it makes also has:

- `GET /health`: liveness, 200 as long as the process serves HTTP;
- `GET /ready`: readiness (bot/readiness.py), 200 when the model is loaded and the tracker
  store, the lock store and the tickets database answer, else 503 naming the part;
- `GET /metrics`: the process's Prometheus metrics (bot/metrics.py);

and a pair of middlewares that time each chat request (`/webhooks/<channel>/webhook`) from its
arrival to its answer, counted by channel and status.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import json_logs, request_ids
from bot.metrics import chat as metrics
from bot.metrics import exposition
from bot.readiness import Check, Readiness, check_all, database_check
from bot.settings import get_settings

log = logging.getLogger(__name__)
STARTED_AT = "mfa_started_at"


def store_checks(app: Sanic) -> dict[str, Check]:
    """What /ready asks: the model, and each store this replica writes to."""
    agent = getattr(app.ctx, "agent", None)

    def model() -> None:
        if agent is None or not agent.is_ready():
            raise LookupError("no model loaded")

    checks: dict[str, Check] = {"model": model}
    if agent is None:
        return checks
    # Rasa wraps the configured store in an AwaitableTrackerStore (rasa_compat checks it).
    store = getattr(agent.tracker_store, "_tracker_store", agent.tracker_store)
    engine = getattr(store, "engine", None)
    if engine is not None:  # a SQL tracker store; the in-memory one cannot be away

        def tracker_store() -> None:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")

        checks["tracker store"] = tracker_store
    redis = getattr(agent.lock_store, "red", None)
    if redis is not None:  # a Redis lock store; the in-memory one cannot be away
        checks["lock store"] = redis.ping
    checks["tickets database"] = database_check(get_settings().resolved_database_url)
    return checks


def add_probes(
    app: Sanic,
    checks_for: Callable[[Sanic], Mapping[str, Check]],
    on_readiness: Callable[[Readiness], None] | None = None,
) -> None:
    """GET /ready (the checks `checks_for` gives) and GET /metrics (this process's metrics)."""

    @app.get("/ready")
    async def ready(request: Request) -> HTTPResponse:
        readiness = await check_all(checks_for(request.app))
        if on_readiness is not None:
            on_readiness(readiness)
        return response.json(readiness.as_json(), status=readiness.status)

    @app.get("/metrics")
    async def scrape(_request: Request) -> HTTPResponse:
        body, content_type = exposition()
        return response.raw(body, content_type=content_type)


def time_requests(
    app: Sanic,
    wanted: Callable[[Request], bool],
    observe: Callable[[Request, int, float], None],
) -> None:
    """Time each `wanted` request from the moment it passes the middlewares registered so far
    to its answer, and hand `observe` the request, its status and the seconds it took."""

    async def started(request: Request) -> None:
        if wanted(request):
            setattr(request.ctx, STARTED_AT, time.monotonic())

    async def answered(request: Request, reply: HTTPResponse) -> None:
        began = getattr(request.ctx, STARTED_AT, None)
        if began is not None:
            observe(request, reply.status, time.monotonic() - began)

    app.register_middleware(started, "request")
    app.register_middleware(answered, "response")


def carry_request_ids(app: Sanic) -> None:
    """Each request's id (bot/request_ids.py): nginx's, or a new one; given back in the answer."""

    async def take(request: Request) -> None:
        request_ids.current.set(request_ids.accepted(request.headers.get(request_ids.HEADER)))

    async def give_back(request: Request, reply: HTTPResponse) -> None:
        request_id = request_ids.current.get()
        if request_id:
            reply.headers[request_ids.HEADER] = request_id

    app.register_middleware(take, "request")
    app.register_middleware(give_back, "response")


def add_routes(app: Sanic) -> Sanic:
    """The three service routes, request ids, JSON logs if chosen, and the chat timing, on an
    app Rasa has just made."""
    carry_request_ids(app)

    async def json_logs_once_rasa_has_set_up_logging(*_args: Any) -> None:
        json_logs.install("rasa", get_settings().log_format)

    app.register_listener(json_logs_once_rasa_has_set_up_logging, "before_server_start")

    @app.get("/health")
    async def health(_request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    add_probes(app, store_checks, lambda readiness: metrics.READY.set(int(readiness.ready)))

    def answered(request: Request, status: int, seconds: float) -> None:
        channel = metrics.channel_of(request.path) or metrics.OTHER
        metrics.observe_chat(channel, status, seconds)
        log.info("%s message answered %d", channel, status, extra={"duration_ms": seconds * 1000})

    time_requests(app, lambda request: metrics.channel_of(request.path) is not None, answered)
    return app


def install() -> None:
    """Wrap Rasa's configure_app, which `rasa run` calls to make its Sanic app."""
    import rasa.core.run

    configure_app = rasa.core.run.configure_app

    def configure_app_with_service_routes(*args: Any, **kwargs: Any) -> Sanic:
        return add_routes(configure_app(*args, **kwargs))

    rasa.core.run.configure_app = configure_app_with_service_routes
