"""Tracebacks in the logs without the exceptions' messages, in every process of the assistant.

An exception's message may carry what a user typed: SQLAlchemy's errors quote the statement's
parameters (a ticket's name, username, phone and summary), Rasa's action errors quote the
action server's answer, a ValueError may quote its input. Logs are read by more people than
tickets and kept longer, and the README promises they hold no message texts. So every record
that carries an exception is formatted here, once, when it is made: the frames (file, line,
function, source line) and the exception's type, for each exception in the chain, and never
its message. That is enough to find the bug; the data stays where it belongs.

``install()`` runs first in each entry point (bot/__main__.py, bot/rasa_server.py,
bot/action_server.py), before Rasa, Sanic or our code logs anything.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

WITHHELD = "(message withheld: it may hold what a user typed)"
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _chain(error: BaseException) -> list[BaseException]:
    """The exception and its causes, oldest first, as Python prints them."""
    chain: list[BaseException] = []
    while error is not None and all(error is not seen for seen in chain):
        chain.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return chain[::-1]


def safe_traceback(exc_info: ExcInfo) -> str:
    """A traceback with every frame and exception type, and no exception message."""
    lines: list[str] = []
    for position, error in enumerate(_chain(exc_info[1])):
        if position:
            lines.append("\nDuring the handling of the above, another exception occurred:\n\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(traceback.extract_tb(error.__traceback__)))
        kind = type(error)
        lines.append(f"{kind.__module__}.{kind.__qualname__} {WITHHELD}\n")
    return "".join(lines).rstrip("\n")


def install() -> None:
    """Make every log record with an exception carry the safe traceback (idempotent)."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "private", False):
        return

    def private_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.exc_info and record.exc_info[1] is not None:
            # Formatters print exc_text as it is when it is set (logging.Formatter.format).
            record.exc_text = safe_traceback(record.exc_info)
        return record

    private_record.private = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(private_record)
