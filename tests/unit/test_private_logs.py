"""Logged exceptions keep their frames and types and lose their messages."""

from __future__ import annotations

import io
import logging
import warnings

from bot import private_logs

NAME, PHONE = "Ib Hemmelig Jensen", "20 30 40 50"  # source lines are logged: not in them


def log_a_failure(logger: logging.Logger) -> None:
    try:
        try:
            raise ValueError(f"name {NAME}, phone {PHONE}")
        except ValueError as error:
            raise RuntimeError(f"INSERT ... [parameters: ({NAME!r},)]") from error
    except RuntimeError:
        logger.exception("Could not store the ticket")


def test_a_logged_traceback_names_the_error_and_its_place_but_not_the_users_words():
    stream = io.StringIO()
    logger = logging.getLogger("test.private_logs")
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.propagate = False
    original = logging.getLogRecordFactory()
    try:
        private_logs.install()
        private_logs.install()  # twice is once
        log_a_failure(logger)
    finally:
        logging.setLogRecordFactory(original)
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "Could not store the ticket" in written
    assert NAME not in written and PHONE not in written, written
    assert "builtins.ValueError (message withheld" in written
    assert "builtins.RuntimeError (message withheld" in written
    assert written.index("ValueError") < written.index("RuntimeError")  # oldest first
    assert "in log_a_failure" in written and "test_private_logs.py" in written


def test_without_it_the_message_would_be_logged():
    """The check above can fail: Python's own formatting prints the message."""
    stream = io.StringIO()
    logger = logging.getLogger("test.private_logs.plain")
    logger.addHandler(logging.StreamHandler(stream))
    logger.propagate = False
    log_a_failure(logger)
    assert NAME in stream.getvalue()


def test_a_warning_that_quotes_a_typed_message_is_cut_and_kept_on_one_line():
    original = warnings.showwarning
    typed = "/help my password is Sommer2024!\n2026-12-07 ERROR forged line"
    shown: list[str] = []
    try:
        warnings.showwarning = lambda message, *_args: shown.append(str(message))
        private_logs.install()
        for text in (f"Failed to parse arguments in line '{typed}'.", "A warning\nover two lines"):
            warnings.showwarning(UserWarning(text), UserWarning, "rasa.py", 1)
    finally:
        warnings.showwarning = original
    assert shown == [
        f"Failed to parse arguments in line ... {private_logs.WITHHELD}",
        "A warning over two lines",
    ]
