"""The widget channel's routes over HTTP: files, content types, caching, 404s, the phone number.

The channel's blueprint is mounted on a Sanic app the way Rasa mounts it (under
/webhooks/webchat) and called through ASGI, so no server or model is needed.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import httpx
import pytest
from sanic import Sanic

from bot.channels.webchat import (
    CONTENT_MARKER,
    WIDGET_DIR,
    WebchatInput,
    render_widget_js,
)
from bot.content import content_slots

PREFIX = "/webhooks/webchat"
PHONE = content_slots()["servicedesk_phone"]


async def _no_messages(_message) -> None:
    raise AssertionError("the widget channel never handles messages itself")


class ChannelApp:
    """One Sanic app serving only this channel, started once over ASGI on its own loop.

    Sanic 21.12 starts one app per process cleanly; a second app's ASGI start-up never
    completes, so every test shares this one (as Rasa runs one app).
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = Sanic(f"webchat_test_{uuid.uuid4().hex[:8]}")
        self.app.config.TOUCHUP = False
        channel = WebchatInput()
        self.app.blueprint(
            channel.blueprint(_no_messages), url_prefix=f"/webhooks/{channel.name()}"
        )
        self.lifespan = self.loop.run_until_complete(self._start())

    async def _start(self) -> asyncio.Task:
        # ASGI lifespan start-up, as an ASGI server would send it: Sanic finalises its routes.
        inbox: asyncio.Queue = asyncio.Queue()
        outbox: asyncio.Queue = asyncio.Queue()
        await inbox.put({"type": "lifespan.startup"})
        lifespan = asyncio.create_task(self.app({"type": "lifespan"}, inbox.get, outbox.put))
        assert (await outbox.get())["type"] == "lifespan.startup.complete"
        return lifespan

    def get(self, requests) -> list[httpx.Response]:
        async def run() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=self.app)
            responses = []
            client = httpx.AsyncClient(transport=transport, base_url="http://assistant")
            async with client:
                for request in requests:
                    path, headers = request if isinstance(request, tuple) else (request, {})
                    responses.append(await client.get(PREFIX + path, headers=headers))
            return responses

        return self.loop.run_until_complete(run())

    def close(self) -> None:
        self.lifespan.cancel()  # Sanic 21.12 fails after a lifespan shutdown; nothing to shut down
        self.loop.run_until_complete(asyncio.sleep(0))
        self.loop.close()


_app: ChannelApp | None = None


@pytest.fixture(scope="module", autouse=True)
def channel_app():
    global _app
    _app = ChannelApp()
    yield _app
    _app.close()
    _app = None


def get(*requests: str | tuple[str, dict[str, str]]) -> list[httpx.Response]:
    """GET each path (optionally with headers) from the channel's app."""
    assert _app is not None
    return _app.get(requests)


def test_widget_js_is_javascript_with_the_servicedesk_number_from_the_domain():
    [response] = get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/javascript; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    cache = response.headers["cache-control"]
    assert cache.startswith("public, max-age=") and "no-store" not in cache
    assert response.headers["etag"]
    assert json.dumps(PHONE) in response.text
    assert CONTENT_MARKER not in response.text


def test_the_phone_number_is_not_hard_coded_in_the_javascript_source():
    source = (WIDGET_DIR / "widget.js").read_text()
    digits = PHONE.replace(" ", "").replace("+", "")
    assert PHONE not in source and digits[-8:] not in source.replace(" ", "")
    assert source.count(CONTENT_MARKER) == 1


def test_stylesheets_are_css_and_pages_are_html_with_a_content_security_policy():
    css, demo_css, demo, news = get("/widget.css", "/demo.css", "/demo", "/demo-news")
    for response in (css, demo_css):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/css; charset=utf-8"
    for page in (demo, news):
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["cache-control"] == "no-cache"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert '<script src="widget.js" defer data-lang="en"></script>' in page.text
        assert '<html lang="en">' in page.text


def test_the_widget_js_names_its_stylesheet_version():
    js, css = get("/widget.js", "/widget.css")
    version = css.headers["etag"].strip('"')[:12]
    assert f'"cssVersion": "{version}"' in js.text


def test_demo_page_languages_are_only_the_known_ones():
    danish, unknown = get("/demo?lang=da", "/demo?lang=%22%3E%3Cscript%3E")
    assert 'data-lang="da"' in danish.text and '<html lang="da">' in danish.text
    assert 'data-lang="en"' in unknown.text and "<script>" not in unknown.text.replace(
        "&lt;script", ""
    ).replace('<script src="widget.js"', "")


@pytest.mark.parametrize(
    "path",
    [
        "/nope.js",
        "/widget.js.map",
        "/demo.html",
        "/widget.html",
        "/..%2Fwebchat.py",
        "/%2E%2E%2F%2E%2E%2Fsettings.py",
        "/widget.css/extra",
    ],
)
def test_unknown_files_are_404(path):
    [response] = get(path)
    assert response.status_code == 404
    assert "widget.js" not in response.headers.get("content-type", "")


def test_a_known_etag_gets_304_without_a_body():
    [first] = get("/widget.js")
    [again] = get(("/widget.js", {"If-None-Match": first.headers["etag"]}))
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


def test_the_channel_root_leads_to_the_demo():
    [response] = get("")
    assert response.status_code == 302
    assert response.headers["location"] == f"{PREFIX}/demo"


def test_rendering_needs_the_marker_and_writes_json():
    with pytest.raises(ValueError):
        render_widget_js("const CONTENT = {};", {})
    rendered = render_widget_js(f"const CONTENT = {CONTENT_MARKER};", {"phone": '"</script>'})
    assert rendered == 'const CONTENT = {"phone": "\\"</script>"};'


def test_credentials_register_the_channel():
    credentials = (Path(__file__).resolve().parents[2] / "credentials.yml").read_text()
    assert "bot.channels.webchat.WebchatInput:" in credentials
