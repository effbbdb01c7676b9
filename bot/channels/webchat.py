"""The intranet chat widget's files, served by the Rasa server itself (/webhooks/webchat/...).

The widget talks to the stateless REST channel (/webhooks/rest/webhook), so several Rasa
replicas behind a load balancer need no sticky sessions; this channel only hands out
widget.js, widget.css and a demo intranet page. The phone number the widget shows when the
server cannot be reached comes from domain.yml (via bot/content.py) and is written into
widget.js when it is served, never copied into the JavaScript source.

An intranet page needs one tag:

    <script src="https://assistant.example/webhooks/webchat/widget.js" defer
            data-lang="en" data-title="MFA help"></script>
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.content import content_slots
from bot.locales import languages, load_locale
from bot.settings import get_settings

WIDGET_DIR = Path(__file__).resolve().parent / "widget"
# Where widget.js receives the server's content; the source holds an empty object there.
CONTENT_MARKER = "{/*MFA_CONTENT*/}"
LANGUAGE_MARKER = "__MFA_LANG__"
PAGES = ("demo", "demo-news")  # two pages, to show a conversation surviving navigation

# Widget files change with a deployment: a short freshness, then a cheap revalidation (ETag).
ASSET_CACHE = "public, max-age=300, stale-while-revalidate=86400"
PAGE_CACHE = "no-cache"
# The demo page shows the Content-Security-Policy the widget needs, and nothing more.
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Served:
    """One file as it goes out: body, type, caching and its validator."""

    body: bytes
    content_type: str
    cache_control: str
    extra_headers: tuple[tuple[str, str], ...] = ()

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


def widget_content(css_version: str) -> dict[str, Any]:
    """What widget.js needs from the server: the servicedesk's number and hours, and limits."""
    slots = content_slots()
    hours = {
        code: load_locale(code).slot_values.get("servicedesk_hours", slots["servicedesk_hours"])
        for code in languages()
    }
    return {
        "servicedeskPhone": slots["servicedesk_phone"],
        "servicedeskHours": hours,  # by language
        "maxMessageChars": get_settings().max_message_chars,
        "cssVersion": css_version,
    }


def render_widget_js(source: str, content: dict[str, Any]) -> str:
    if CONTENT_MARKER not in source:
        raise ValueError(f"widget.js lacks the content marker {CONTENT_MARKER}")
    # JSON is a JavaScript expression; ASCII-only keeps it safe in any page encoding.
    return source.replace(CONTENT_MARKER, json.dumps(content, ensure_ascii=True), 1)


def render_demo_page(source: str, language: str) -> str:
    if language not in languages():
        raise ValueError(f"unknown language {language!r}")
    return source.replace(LANGUAGE_MARKER, language)


@dataclass(frozen=True)
class WidgetFiles:
    """Every file the channel serves, rendered once at start-up; anything else is a 404."""

    assets: dict[str, Served]
    pages: dict[tuple[str, str], Served]  # (page, language)

    def find(self, name: str, language: str | None) -> Served | None:
        if name in PAGES:
            return self.pages[name, language if language in languages() else languages()[0]]
        return self.assets.get(name)


def build_files(widget_dir: Path = WIDGET_DIR) -> WidgetFiles:
    """Read and render the widget's files (the phone number goes into widget.js here)."""
    css = (widget_dir / "widget.css").read_bytes()
    served_css = Served(css, "text/css; charset=utf-8", ASSET_CACHE)
    css_version = served_css.etag.strip('"')[:12]
    js = render_widget_js((widget_dir / "widget.js").read_text(), widget_content(css_version))
    assets = {
        "widget.js": Served(js.encode(), "application/javascript; charset=utf-8", ASSET_CACHE),
        "widget.css": served_css,
        "demo.css": Served(
            (widget_dir / "demo.css").read_bytes(), "text/css; charset=utf-8", ASSET_CACHE
        ),
    }
    pages = {
        (page, language): Served(
            render_demo_page((widget_dir / f"{page}.html").read_text(), language).encode(),
            "text/html; charset=utf-8",
            PAGE_CACHE,
            (("Content-Security-Policy", DEMO_CSP),),
        )
        for page in PAGES
        for language in languages()
    }
    return WidgetFiles(assets, pages)


def serve(request: Request, served: Served) -> HTTPResponse:
    headers = {
        "Cache-Control": served.cache_control,
        "ETag": served.etag,
        "X-Content-Type-Options": "nosniff",
        **dict(served.extra_headers),
    }
    if served.etag in request.headers.get("if-none-match", ""):
        return response.empty(status=304, headers=headers)
    return response.raw(served.body, content_type=served.content_type, headers=headers)


def not_found() -> HTTPResponse:
    return response.json(
        {"error": "No such file; the widget serves widget.js, widget.css and demo."},
        status=404,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


class WebchatInput(InputChannel):
    """Serves the chat widget and its demo page; messages go through the REST channel."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def __init__(self, widget_dir: Path = WIDGET_DIR) -> None:
        self.widget_dir = widget_dir

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        files = build_files(self.widget_dir)
        webchat = Blueprint("webchat_widget")

        @webchat.route("/", methods=["GET"], strict_slashes=False)
        async def index(request: Request) -> HTTPResponse:
            # Absolute: a relative 'demo' from /webhooks/webchat would leave the channel.
            return response.redirect(request.path.rstrip("/") + "/demo", status=302)

        @webchat.route("/<name>", methods=["GET"])
        async def file(request: Request, name: str) -> HTTPResponse:
            served = files.find(name, request.args.get("lang"))
            return serve(request, served) if served else not_found()

        return webchat
