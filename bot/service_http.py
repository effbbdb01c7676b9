"""/health, /ready and /metrics for a process that has no web server of its own (the outbox
worker), on a small HTTP port of its own.

The standard library's threading HTTP server on a daemon thread: it answers scrapes and
load-balancer checks while the process does its work, and dies with it. Readiness is the
same as the Rasa server's (bot/readiness.py), so every process answers the three paths alike.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot.metrics import exposition
from bot.readiness import Check, check_all

log = logging.getLogger(__name__)


def serve(host: str, port: int, checks: Mapping[str, Check]) -> ThreadingHTTPServer:
    """Start answering on (host, port) in the background; the caller may `shutdown()` it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/health":
                self._send(200, "application/json", json.dumps({"status": "ok"}).encode())
            elif self.path == "/ready":
                readiness = asyncio.run(check_all(checks))
                body = json.dumps(readiness.as_json()).encode()
                self._send(readiness.status, "application/json", body)
            elif self.path == "/metrics":
                body, content_type = exposition()
                self._send(200, content_type, body)
            else:
                self._send(404, "application/json", b'{"error": "GET /health, /ready or /metrics"}')

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug(format, *args)  # a scrape a second would drown the worker's own log

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="service-http", daemon=True).start()
    return server
