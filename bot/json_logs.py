"""JSON-lines logs for a log shipper (MFA_LOG_FORMAT=json): one object per line.

Each line: time (UTC, ISO 8601), level, process (rasa, actions, outbox, console, runner), pid,
logger, event (the log message), request_id when the line belongs to a chat request
(bot/request_ids.py), duration_ms when the caller gave one, and for an error its class and
stack frames. Never an exception's message or a chat message: the assistant's own log calls
name what happened, not what was typed, and bot/private_logs.py keeps exception messages out.
Python's warnings become log lines too (cut where Rasa quotes a user, as bot/private_logs.py
does), so every line parses.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from bot import private_logs, request_ids


class JsonLines(logging.Formatter):
    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "process": self.process,
            "pid": record.process,
            "logger": record.name,
            "event": record.getMessage(),
        }
        request_id = request_ids.current.get()
        if request_id:
            entry["request_id"] = request_id
        duration = getattr(record, "duration_ms", None)
        if isinstance(duration, int | float):
            entry["duration_ms"] = round(float(duration), 1)
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = type(record.exc_info[1]).__name__
            entry["stack"] = private_logs.safe_traceback(record.exc_info)  # no message
        return json.dumps(entry, ensure_ascii=False)


def install(process: str, log_format: str) -> None:
    """With log_format "json", every handler of the root logger writes JSON lines."""
    if log_format != "json":
        return
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO)
    formatter = JsonLines(process)
    for handler in root.handlers:
        handler.setFormatter(formatter)
    # Warnings become log lines, through private_logs' filter (it wraps what it finds).
    logging.captureWarnings(True)
    private_logs.install()
