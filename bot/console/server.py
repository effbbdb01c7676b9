"""Serving the console in production: waitress, a pure-Python WSGI server with worker threads.

Flask's own server is for development only; waitress needs no compiler and no extra process
manager, and stops cleanly on SIGTERM (how the runner stops its children).
"""

from __future__ import annotations

import logging
import signal
from types import FrameType

from waitress import create_server

from bot import db
from bot.console.app import create_app
from bot.settings import Settings

log = logging.getLogger(__name__)

THREADS = 8


def _exit(signum: int, _frame: FrameType | None) -> None:
    # waitress' loop ends on SystemExit and then shuts its worker threads down.
    raise SystemExit(0)


def serve(settings: Settings) -> None:
    """Listen on ``settings.host:settings.console_port`` until SIGINT or SIGTERM."""
    # Migrate before listening: a database that cannot be reached fails the start, not a click.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    db.engine()
    app = create_app(settings)
    server = create_server(
        app,
        host=settings.host,
        port=settings.console_port,
        threads=THREADS,
        # waitress drops X-Forwarded-For by default; the console believes it only from
        # MFA_TRUSTED_PROXIES itself (bot.console.web.source), like the chat API does.
        clear_untrusted_proxy_headers=False,
    )
    signal.signal(signal.SIGTERM, _exit)
    # A log line (JSON too, with MFA_LOG_FORMAT=json), not a print: the console's log is read
    # by machines as well.
    log.info(
        "The servicedesk console is running on http://%s:%s/ (create an agent: "
        'python -m bot agent add <username> --name "Full Name"; Ctrl-C stops it)',
        settings.host,
        settings.console_port,
    )
    try:
        server.run()
    finally:
        server.close()
        log.info("Console stopped")
