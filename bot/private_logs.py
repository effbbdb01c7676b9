"""Tracebacks in the logs without the exceptions' messages, in every process of the assistant.

An exception's message may carry what a user typed: SQLAlchemy's errors quote the statement's
parameters (a ticket's name, username, phone and summary), Rasa's action errors quote the
action server's answer, a ValueError may quote its input. Logs are read by more people than
tickets and kept longer, and docs/configuration.md promises they hold no message texts. So
every record that carries an exception is formatted here, once, when it is made: the frames
(file, line, function, source line) and the exception's type, for each exception in the chain,
and never its message. That is enough to find the bug; the data stays where it belongs.

Warnings go to the same logs by another road (``warnings.showwarning``, onto stderr), and Rasa
quotes what a user typed in some: a message starting with "/" that is no intent payload gives
"Failed to parse arguments in line '/help my password is ...'". Those are cut before the
quote, and every warning is written on one line, so a typed line break cannot forge a log
line either.

``install()`` runs first in each entry point (bot/__main__.py, bot/rasa_ext/rasa_server.py,
bot/rasa_ext/action_server.py), before Rasa, Sanic or our code logs anything.
"""

from __future__ import annotations

import logging
import re
import traceback
import warnings
from types import TracebackType
from typing import Any, TextIO

WITHHELD = "(message withheld: it may hold what a user typed)"
# Rasa's warnings that quote a user's message or the arguments of a typed "/intent{...}".
_QUOTING_WARNING = re.compile(
    r"^(Failed to parse arguments in line|Invalid entity specification:|Parsed an intent|"
    r"Parsed an entity)"
)
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
        # StackSummary.format folds a recursion's repeated frames into one line.
        lines.extend(traceback.extract_tb(error.__traceback__).format())
        kind = type(error)
        lines.append(f"{kind.__module__}.{kind.__qualname__} {WITHHELD}\n")
    return "".join(lines).rstrip("\n")


def safe_warning(text: str) -> str:
    """A warning's text on one line, cut before the user's words where Rasa quotes them."""
    quoting = _QUOTING_WARNING.match(text)
    if quoting:
        text = f"{quoting.group(1)} ... {WITHHELD}"
    return " ".join(text.split())


def _install_warnings() -> None:
    show = warnings.showwarning
    if getattr(show, "private", False):
        return

    def private_warning(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> Any:
        return show(category(safe_warning(str(message))), category, filename, lineno, file, "")

    private_warning.private = True  # type: ignore[attr-defined]
    warnings.showwarning = private_warning


def install() -> None:
    """Make every log record with an exception carry the safe traceback, and every warning
    safe to log (idempotent)."""
    _install_warnings()
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
