"""Error pages: a plain page with the reason, never a traceback, for every HTTP error."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    500: "Something went wrong",
}


def _page(code: int, message: str) -> tuple[str, int]:
    title = TITLES.get(code, "Error")
    return render_template("error.html", code=code, title=title, message=message), code


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return _page(
        400,
        "The form could not be accepted: it has expired or did not come from this console "
        f"({error.description}). Go back, reload the page and try again.",
    )


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    if code == 404:
        return _page(404, "There is no such page or ticket. Check the reference.")
    return _page(code, error.description or TITLES.get(code, "Error"))


def _unexpected(error: InternalServerError) -> tuple[str, int]:
    log.error("Console request failed", exc_info=error.original_exception)
    return _page(500, "The console could not do that. The error has been logged; try again.")


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(InternalServerError, _unexpected)
    app.register_error_handler(HTTPException, _http_error)
