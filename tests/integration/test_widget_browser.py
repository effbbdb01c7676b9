"""The intranet chat widget in a real browser, against the real running assistant.

Headless Chromium (the system's, installed by ``scripts/ensure-chromium.sh``; Playwright never
downloads a browser) opens the demo intranet page the Rasa server serves, or an "intranet" page
on another origin that carries the one script tag. The whole assistant runs as `make run`
starts it. Only the renderer's safety checks and the 5xx/timeout paths feed the widget made-up
replies, through Playwright's route interception of the webhook. A missing Chromium fails:
a skipped browser test would look like a passing one.

Screenshots go to test-artifacts/widget/.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect, sync_playwright

from bot.content import content_slots
from bot.settings import PROJECT_ROOT
from tests.integration.assistant import RunningAssistant, free_port, start_assistant
from tests.integration.practice_codes import code_now
from tests.integration.qr import decode_qr

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "widget"
PHONE = content_slots()["servicedesk_phone"]
ANSWER_TIMEOUT_MS = 60_000  # an answer may wait for the action server; Playwright's default is 5 s
XSS = "<img src=x onerror=alert(1)>"

# The deepest focused element, through the widget's shadow root, described for assertions.
FOCUSED = """() => {
  let node = document.activeElement;
  while (node && node.shadowRoot && node.shadowRoot.activeElement) {
    node = node.shadowRoot.activeElement;
  }
  if (!node || node === document.body) return "";
  return node.id || node.getAttribute("aria-label") || node.textContent.trim();
}"""

# WCAG 2.1 contrast of every visible text in the widget against its effective background.
CONTRAST = """() => {
  const rgb = (value) => {
    const parts = value.match(/[\\d.]+/g).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const luminance = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (node) => {
    for (let n = node; n; n = n.parentElement || n.getRootNode().host) {
      const color = rgb(getComputedStyle(n).backgroundColor);
      if (color.a > 0) return color;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const root = document.querySelector("#ruc-mfa-widget").shadowRoot;
  const results = [];
  for (const node of root.querySelectorAll("*")) {
    if (node.closest(".sr-only") || !node.getClientRects().length) continue;
    const ownText = [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
    if (!ownText) continue;
    const style = getComputedStyle(node);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    results.push({
      text: node.textContent.trim().slice(0, 40),
      ratio: ratio(rgb(style.color), background(node)),
      need: large ? 3 : 4.5,
    });
  }
  const input = root.querySelector("input");
  results.push({
    text: "placeholder",
    ratio: ratio(rgb(getComputedStyle(input, "::placeholder").color), background(input)),
    need: 4.5,
  });
  return results;
}"""


@pytest.fixture(scope="module")
def assistant(trained_model: Path, tmp_path_factory) -> Iterator[RunningAssistant]:
    running = start_assistant(tmp_path_factory.mktemp("widget-var"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; run scripts/ensure-chromium.sh "
            "(make test does).",
            pytrace=False,
        )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def new_page(browser: Browser, **options) -> Iterator[Page]:
    """A page in a fresh profile (empty localStorage); uncaught script errors fail the test."""
    context = browser.new_context(
        locale="en-GB", **{"viewport": {"width": 1280, "height": 900}, **options}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
    yield page
    context.close()
    assert not errors, errors


@pytest.fixture
def page(browser) -> Iterator[Page]:
    yield from new_page(browser)


@pytest.fixture
def phone_page(browser) -> Iterator[Page]:
    yield from new_page(browser, viewport={"width": 375, "height": 740}, is_mobile=True)


class Intranet:
    """Pages on an origin of their own, as the real intranet is to the assistant."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0])
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page_with_widget(self, path: str, script_src: str, **attributes: str) -> str:
        data = " ".join(f'data-{name}="{value}"' for name, value in attributes.items())
        self.pages[path] = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Intranet</title></head><body><h1>Staff pages</h1>"
            "<p><a href='/'>Home</a></p>"
            f'<script src="{script_src}" {data}></script></body></html>'
        )
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def intranet() -> Iterator[Intranet]:
    site = Intranet()
    yield site
    site.server.shutdown()


# --- helpers -----------------------------------------------------------------------------


def demo_url(assistant: RunningAssistant, page: str = "demo", lang: str = "en") -> str:
    return f"http://127.0.0.1:{assistant.rasa_port}/webhooks/webchat/{page}?lang={lang}"


def widget_js(assistant: RunningAssistant) -> str:
    return f"http://127.0.0.1:{assistant.rasa_port}/webhooks/webchat/widget.js"


def conversation(page: Page) -> Locator:
    return page.get_by_role("log")


def open_widget(page: Page, title: str = "MFA help") -> Locator:
    page.get_by_role("button", name=title).click()
    panel = page.get_by_role("dialog", name=title)
    expect(panel).to_be_visible()
    return panel


def ask(page: Page, message: str, label: str = "Your message") -> None:
    page.get_by_label(label).fill(message)
    page.get_by_label(label).press("Enter")


def expect_text(page: Page, text: str) -> None:
    expect(conversation(page).get_by_text(text).last).to_be_visible(timeout=ANSWER_TIMEOUT_MS)


def focused(page: Page) -> str:
    return page.evaluate(FOCUSED)


def sender_id(page: Page) -> str:
    stored = page.evaluate(
        "() => Object.entries(localStorage).find(([key]) => key.startsWith('ruc-mfa-widget:'))"
    )
    return json.loads(stored[1])["sender"]


def replies_in_order(page: Page, url: str, behaviours: list[Callable[[Route], None]]) -> list[str]:
    """Answer the webhook's requests with the given behaviours, in order; returns the messages."""
    sent: list[str] = []

    def handle(route: Route) -> None:
        sent.append(json.loads(route.request.post_data or "{}").get("message", ""))
        if behaviours:
            behaviours.pop(0)(route)
        else:
            route.continue_()

    page.route(url, handle)
    return sent


def fake_reply(*replies: dict) -> Callable[[Route], None]:
    return lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(list(replies))
    )


# --- the running assistant serves the widget ----------------------------------------------


def test_the_running_assistant_serves_the_widget_with_the_phone_number(assistant):
    banner = (assistant.var_dir / "runner.log").read_text()
    assert f"{demo_url(assistant).split('?')[0]}\n" in banner  # make run shows the demo
    assert f'<script src="{widget_js(assistant)}" defer></script>' in banner
    with urllib.request.urlopen(widget_js(assistant), timeout=10) as response:
        assert response.headers["Content-Type"] == "application/javascript; charset=utf-8"
        assert "max-age" in response.headers["Cache-Control"]
        assert json.dumps(PHONE) in response.read().decode()


# --- a conversation on the demo page ------------------------------------------------------


def test_demo_conversation_answers_buttons_qr_and_survives_reload_and_navigation(assistant, page):
    page.goto(demo_url(assistant))
    open_widget(page)
    assert focused(page) == "mfa-input", "opening the panel moves focus into it"
    expect_text(page, "I'm RUC's MFA assistant")  # the greeting, with topic buttons

    ask(page, "I lost my phone")
    expect_text(page, "Lost, stolen or broken phone?")
    security_info = conversation(page).get_by_role(
        "link", name="https://mysignins.microsoft.com/security-info"
    )
    expect(security_info.first).to_have_attribute("target", "_blank")
    expect(security_info.first).to_have_attribute("rel", re.compile("noopener"))

    page.get_by_role("button", name="Help me get back in").click()
    expect(conversation(page).locator(".msg-user").last).to_have_text(
        re.compile("Help me get back in$")
    )
    expect_text(page, "Step 1 of 2")
    expect(page.get_by_role("button", name="Help me get back in")).to_be_disabled()
    assert focused(page) == "mfa-input", "after a button, focus goes back to the message box"

    ask(page, "let me practise scanning a QR code")
    qr = conversation(page).locator("img").last
    expect(qr).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    assert qr.get_attribute("src").startswith("data:image/png;base64,")
    assert qr.get_attribute("alt")
    decoded = decode_qr(qr.screenshot())
    assert decoded.startswith("otpauth://totp/")
    secret = pyotp.parse_uri(decoded).secret
    page.screenshot(path=str(ARTIFACTS / "conversation.png"))

    before_reload = conversation(page).inner_text()
    sender = sender_id(page)
    page.reload()
    expect(page.get_by_role("dialog", name="MFA help")).to_be_visible()  # still open
    expect(conversation(page)).to_have_text(before_reload.strip(), use_inner_text=True)
    expect(conversation(page).locator("img").last).to_have_attribute("src", qr.get_attribute("src"))

    page.get_by_role("link", name="News").first.click()
    expect(page.get_by_role("heading", name="News", exact=True)).to_be_visible()
    expect_text(page, "Lost, stolen or broken phone?")
    assert sender_id(page) == sender
    assert focused(page) == "", "a new page of the intranet does not pull focus into the widget"

    # The server-side conversation goes on too: the practice code from the QR is accepted.
    ask(page, code_now(secret))
    expect_text(page, "That's right: the code matches")
    page.screenshot(path=str(ARTIFACTS / "after-navigation.png"))

    # Start over: a new conversation with a new sender id and a fresh greeting.
    page.get_by_role("button", name="Start over").click()
    expect(conversation(page).get_by_text("Lost, stolen or broken phone?")).to_have_count(0)
    expect_text(page, "I'm RUC's MFA assistant")
    assert sender_id(page) != sender


def test_keyboard_only(assistant, page):
    page.goto(demo_url(assistant))
    for _ in range(20):
        if focused(page) == "MFA help":
            break
        page.keyboard.press("Tab")
    assert focused(page) == "MFA help", "the launcher is reachable with Tab"
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="MFA help")).to_be_visible()
    assert focused(page) == "mfa-input"
    expect_text(page, "I'm RUC's MFA assistant")

    page.keyboard.type("I lost my phone")
    page.keyboard.press("Enter")
    expect_text(page, "Lost, stolen or broken phone?")
    # Back from the message box: the newest answer's buttons, "Did this help?" last.
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "👎 Not helpful"
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "👍 Helpful"
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "Help me get back in"
    page.keyboard.press("Enter")
    expect_text(page, "Step 1 of 2")
    assert focused(page) == "mfa-input"
    page.keyboard.press("Tab")
    assert focused(page) == "Send"
    page.screenshot(path=str(ARTIFACTS / "keyboard.png"))

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="MFA help")).to_be_hidden()
    assert focused(page) == "MFA help", "Escape returns focus to the launcher"
    launcher = page.get_by_role("button", name="MFA help")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    assert focused(page) == "mfa-input"


# --- failures: unreachable server, 5xx, timeout -------------------------------------------


def test_dead_server_says_so_with_the_servicedesk_number_and_keeps_the_message(
    assistant, intranet, page
):
    url = intranet.page_with_widget(
        "/dead.html", widget_js(assistant), server=f"http://127.0.0.1:{free_port()}"
    )
    page.goto(url)
    open_widget(page)
    ask(page, "I lost my phone")
    error = conversation(page).locator(".msg-error").last
    expect(error).to_contain_text("can't reach the assistant", timeout=ANSWER_TIMEOUT_MS)
    expect(error).to_contain_text(PHONE)
    expect(error.get_by_role("link", name=PHONE)).to_have_attribute(
        "href", "tel:" + re.sub(r"[^+\d]", "", PHONE)
    )
    expect(conversation(page).locator(".msg-user").last).to_contain_text("Not sent")
    expect(page.get_by_label("Your message")).to_have_value("I lost my phone")
    expect(error.get_by_role("button", name="Try again")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "server-down.png"))


def test_widget_on_another_origin_talks_to_the_assistant(assistant, intranet, page):
    """The intranet is another origin: the script tag alone, CORS does the rest."""
    page.goto(intranet.page_with_widget("/staff.html", widget_js(assistant), title="Ask IT"))
    open_widget(page, "Ask IT")
    ask(page, "I lost my phone")
    expect_text(page, "Lost, stolen or broken phone?")


def test_server_error_and_timeout_keep_the_message_and_retry_sends_it(assistant, intranet, page):
    url = intranet.page_with_widget("/slow.html", widget_js(assistant), timeout="2")
    hang: list[Route] = []
    sent = replies_in_order(
        page,
        assistant.webhook,
        [
            lambda route: route.continue_(),  # the greeting
            lambda route: route.fulfill(status=502, body="Bad Gateway"),
            hang.append,  # never answers: the widget's own timeout
        ],
    )
    page.goto(url)
    open_widget(page)
    expect_text(page, "I'm RUC's MFA assistant")
    ask(page, "I lost my phone")
    expect(conversation(page).locator(".msg-error")).to_contain_text(PHONE)
    expect(page.get_by_label("Your message")).to_have_value("I lost my phone")

    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("status")).to_contain_text("The assistant is typing")
    expect(conversation(page).locator(".msg-error")).to_contain_text(
        "can't reach the assistant", timeout=10_000
    )
    assert hang, "the retry was sent"
    page.get_by_role("button", name="Try again").click()
    expect_text(page, "Lost, stolen or broken phone?")
    expect(conversation(page).locator(".msg-error")).to_have_count(0)
    expect(conversation(page).get_by_text("Not sent")).to_have_count(0)
    expect(conversation(page).locator(".msg-user")).to_have_count(1)
    greeting = '/greet{"language":"en"}'  # the page's language starts the conversation
    assert sent == [greeting, "I lost my phone", "I lost my phone", "I lost my phone"]


# --- the renderer never turns a message into HTML -----------------------------------------


def test_message_texts_are_rendered_safely(assistant, page):
    replies_in_order(
        page,
        assistant.webhook,
        [
            fake_reply({"text": "Welcome"}),
            fake_reply(
                {
                    "text": f"{XSS} and <script>window.pwned = 1</script>\n"
                    "**Bold** words, [a link](https://example.org/guide), "
                    "[bad](javascript:alert(2)) and https://ruc.dk/mfa.\n"
                    "- first\n- second\n1. one\n2. two",
                    "buttons": [{"title": "<b>Yes</b>", "payload": "/affirm"}],
                },
                {"image": "javascript:alert(3)"},
                {"image": "data:image/svg+xml;base64,PHN2Zy8+"},
                {"text": "<a href='javascript:alert(4)'>click</a>"},
            ),
        ],
    )
    page.goto(demo_url(assistant))
    open_widget(page)
    expect_text(page, "Welcome")
    ask(page, "show me formatting")
    log = conversation(page)
    expect(log.get_by_text(XSS)).to_be_visible()
    expect(log.get_by_text("<a href='javascript:alert(4)'>click</a>")).to_be_visible()
    expect(log.locator("img")).to_have_count(0)
    expect(log.locator("script")).to_have_count(0)
    expect(log.locator("strong")).to_have_text("Bold")
    links = log.get_by_role("link")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_attribute("href", "https://example.org/guide")
    expect(links.nth(1)).to_have_attribute("href", "https://ruc.dk/mfa")  # not the full stop
    for index in range(2):
        expect(links.nth(index)).to_have_attribute("target", "_blank")
        expect(links.nth(index)).to_have_attribute("rel", "noopener noreferrer")
    expect(log.get_by_text("[bad](javascript:alert(2))")).to_be_visible()
    expect(log.locator("ul > li")).to_have_text(["first", "second"])
    expect(log.locator("ol > li")).to_have_text(["one", "two"])
    expect(page.get_by_role("button", name="<b>Yes</b>")).to_be_visible()
    assert page.evaluate("() => window.pwned") is None
    page.screenshot(path=str(ARTIFACTS / "formatting.png"))


def test_html_typed_by_the_user_stays_text_all_the_way(assistant, page):
    """No fake replies: the real assistant gets the markup and the widget shows it as typed."""
    page.goto(demo_url(assistant))
    open_widget(page)
    expect_text(page, "I'm RUC's MFA assistant")
    typed = f"{XSS}<script>window.pwned = 1</script><b>is this safe?</b>"
    ask(page, typed)
    mine = conversation(page).locator(".msg-user").last
    expect(mine).to_contain_text(typed)
    expect(conversation(page).locator(".msg-bot")).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)
    log = conversation(page)
    expect(log.locator("img")).to_have_count(0)
    expect(log.locator("script")).to_have_count(0)
    expect(log.locator("b")).to_have_count(0)
    page.reload()  # restored from localStorage: still text
    expect(conversation(page).locator(".msg-user").last).to_contain_text(typed)
    expect(conversation(page).locator("img, script, b")).to_have_count(0)
    assert page.evaluate("() => window.pwned") is None


# --- phones, Danish labels, contrast ------------------------------------------------------


def test_phone_width_danish_page_danish_labels_and_answers_then_english(assistant, phone_page):
    page = phone_page
    page.goto(demo_url(assistant, lang="da"))
    panel = open_widget(page, "MFA-hjælp")
    box = panel.bounding_box()
    assert box == {"x": 0, "y": 0, "width": 375, "height": 740}
    expect(page.get_by_label("Din besked")).to_have_attribute("placeholder", "Skriv dit spørgsmål…")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("button", name="Start forfra")).to_be_visible()
    expect_text(page, "Jeg er RUC's MFA-assistent")  # the page's language starts the conversation
    page.screenshot(path=str(ARTIFACTS / "phone-da.png"))
    ask(page, "I lost my phone, what do I do?", "Din besked")  # it follows the user's language
    expect_text(page, "Lost, stolen or broken phone?")
    page.get_by_role("button", name="Luk chatten").click()
    expect(panel).to_be_hidden()
    expect(page.get_by_role("button", name="MFA-hjælp")).to_be_focused()


def test_texts_meet_wcag_aa_contrast(assistant, page):
    replies_in_order(
        page,
        assistant.webhook,
        [
            fake_reply(
                {
                    "text": "Hello **there**: see https://ruc.dk/mfa\n- a list",
                    "buttons": [{"title": "A choice", "payload": "/affirm"}],
                }
            ),
            lambda route: route.fulfill(status=500, body="oops"),
        ],
    )
    page.goto(demo_url(assistant))
    open_widget(page)
    expect_text(page, "Hello")
    ask(page, "this one fails")
    expect(conversation(page).locator(".msg-error")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "contrast.png"))
    results = page.evaluate(CONTRAST)
    assert len(results) > 10
    low = [result for result in results if result["ratio"] < result["need"]]
    assert not low, low


# --- on a phone: the practice QR code, its link, buttons to tap, Done in its place ----------

PHONE_VIEWPORT = {"width": 390, "height": 844}
STEP_BUTTONS = {
    "en": ["Done", "I'm stuck", "Back", "Stop"],
    "da": ["Færdig", "Jeg sidder fast", "Tilbage", "Stop"],
}
# Every visible button in the widget, with its height.
BUTTON_HEIGHTS = """() => [...document.querySelector("#ruc-mfa-widget").shadowRoot
  .querySelectorAll("button")]
  .filter((button) => button.getClientRects().length)
  .map((button) => [button.textContent.trim(), button.getBoundingClientRect().height])"""


@pytest.fixture
def tall_phone_page(browser) -> Iterator[Page]:
    yield from new_page(browser, viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)


def expect_live_choices(page: Page, titles: list[str]) -> None:
    """The buttons the user can press once the answer has come, in the order they are shown."""
    choices = conversation(page).locator("button.choice:enabled")
    expect(choices).to_have_text(titles, timeout=ANSWER_TIMEOUT_MS)


def start_existing_app_walkthrough(page: Page, label: str = "Your message") -> None:
    ask(page, '/start_walkthrough{"walkthrough": "existing_app"}', label)
    expect_text(page, "Step 1 of 4")


def test_on_a_phone_the_practice_qr_code_shows_whole_and_its_link_opens_the_app(
    assistant, tall_phone_page
):
    page = tall_phone_page
    page.goto(demo_url(assistant))
    open_widget(page)
    expect_text(page, "I'm RUC's MFA assistant")
    start_existing_app_walkthrough(page)
    for step in ("Step 2 of 4", "Step 3 of 4"):
        conversation(page).get_by_role("button", name="Done").last.click()
        expect_text(page, step)
    conversation(page).get_by_role("button", name="Practise with a test QR code").click()
    qr = conversation(page).locator("img").last
    expect(qr).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(qr).to_have_js_property("complete", True)

    # Shown whole, not below the fold: the scroll waited for the image's height.
    page.wait_for_timeout(300)
    log, image = conversation(page).bounding_box(), qr.bounding_box()
    assert log and image
    assert log["y"] <= image["y"] and image["y"] + image["height"] <= log["y"] + log["height"]
    page.screenshot(path=str(ARTIFACTS / "phone-practice-qr.png"))

    # The link the text offers adds the same account as the QR code, in the app, on a tap.
    app_link = conversation(page).locator('a[href^="otpauth://"]').last
    expect(app_link).to_be_visible()
    href = app_link.get_attribute("href")
    decoded = decode_qr(qr.screenshot())
    assert decoded == href
    assert href.startswith("otpauth://totp/") and app_link.get_attribute("target") is None
    expect(app_link).to_have_text(href)


def test_only_web_and_authenticator_links_are_linked_and_nothing_else_becomes_html(assistant, page):
    replies_in_order(
        page,
        assistant.webhook,
        [
            fake_reply({"text": "Welcome"}),
            fake_reply(
                {
                    "text": 'open otpauth://totp/x?secret=AB"onmouseover=alert(1) on the phone, '
                    "[the app](otpauth://totp/y?secret=CD), otpauth:alert(2), "
                    "[bad](javascript:alert(3)) and <b>no html</b>"
                }
            ),
        ],
    )
    page.goto(demo_url(assistant))
    open_widget(page)
    expect_text(page, "Welcome")
    ask(page, "links please")
    links = conversation(page).get_by_role("link")
    expect(links).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)
    expect(links.nth(0)).to_have_attribute("href", "otpauth://totp/x?secret=AB")
    expect(links.nth(1)).to_have_attribute("href", "otpauth://totp/y?secret=CD")
    expect(links.nth(1)).to_have_text("the app")
    for index in range(2):
        assert links.nth(index).get_attribute("onmouseover") is None
    log = conversation(page)
    expect(log.get_by_text("otpauth:alert(2)", exact=False)).to_be_visible()
    expect(log.get_by_text("[bad](javascript:alert(3)) and <b>no html</b>")).to_be_visible()
    expect(log.locator("b")).to_have_count(0)
    assert page.evaluate("() => window.pwned") is None


def test_on_a_phone_every_button_is_at_least_44_px_tall(assistant, tall_phone_page):
    page = tall_phone_page
    page.goto(demo_url(assistant))
    open_widget(page)
    expect_text(page, "I'm RUC's MFA assistant")  # the greeting's topic buttons
    start_existing_app_walkthrough(page)  # and a step's
    heights = page.evaluate(BUTTON_HEIGHTS)
    assert {title for title, _ in heights} >= {"Start over", "Send", *STEP_BUTTONS["en"]}
    low = [(title, height) for title, height in heights if height < 44]
    assert not low, low


def test_after_a_language_switch_in_a_walkthrough_done_stays_the_first_button(
    assistant, tall_phone_page
):
    page = tall_phone_page
    page.goto(demo_url(assistant))
    open_widget(page)
    expect_text(page, "I'm RUC's MFA assistant")
    start_existing_app_walkthrough(page)
    expect_live_choices(page, STEP_BUTTONS["en"])

    ask(page, '/change_language{"language": "da"}')
    expect_live_choices(page, [*STEP_BUTTONS["da"], "Dansk", "English"])
    expect_text(page, "Trin 1 af 4")
    page.screenshot(path=str(ARTIFACTS / "phone-language-switch.png"))

    conversation(page).get_by_role("button", name="English").last.click()
    expect_live_choices(page, [*STEP_BUTTONS["en"], "Dansk", "English"])
    expect(conversation(page).locator(".msg-bot").last).to_contain_text("Step 1 of 4")
    conversation(page).get_by_role("button", name="Done").last.click()
    expect_text(page, "Step 2 of 4")
    expect_live_choices(page, STEP_BUTTONS["en"])


def test_feedback_buttons_in_the_widget_end_up_in_the_insights(assistant, page):
    """👍 under an answer, clicked in the widget: the thanks, and the insights' table holds it."""
    page.goto(demo_url(assistant))
    open_widget(page)
    ask(page, "how do I install the authenticator app")
    helpful = page.get_by_role("button", name="👍 Helpful").last
    expect(helpful).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    helpful.click()
    expect_text(page, "Glad it helped!")
    with sqlite3.connect(assistant.var_dir / "trackers.db") as db:
        rows = db.execute(
            "SELECT channel, outcome, topic, helpful FROM insight_turns WHERE sender_id = ?"
            " ORDER BY id",
            (sender_id(page),),
        ).fetchall()
    assert rows[-1][:2] == ("rest", "feedback") and rows[-1][3] == 1
    assert rows[-1][2] == rows[-2][2] and rows[-1][2].startswith("faq/")
