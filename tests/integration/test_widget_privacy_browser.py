"""The widget's "Delete this conversation" in headless Chromium against the running assistant:
asked once more in the panel, then the conversation is gone from the databases (and was never
in the logs) and a fresh one starts; and the erase endpoint's answers to bad requests.

The browser, the assistant and the page helpers are test_widget_browser.py's.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.integration.privacy_seed import every_text
from tests.integration.test_widget_browser import (  # noqa: F401  (fixtures)
    ANSWER_TIMEOUT_MS,
    ARTIFACTS,
    ask,
    assistant,
    browser,
    conversation,
    demo_url,
    expect_text,
    open_widget,
    page,
    phone_page,
    sender_id,
)

pytestmark = pytest.mark.slow

MARKER = "zebra-marker-789"


def answered(on: Page) -> None:
    """Until the newest entry in the log is the assistant's."""
    last = conversation(on).locator(".msg").last
    expect(last).to_have_class(re.compile("msg-bot"), timeout=ANSWER_TIMEOUT_MS)


def stored(var_dir: Path) -> str:
    return every_text(f"sqlite:///{var_dir / 'trackers.db'}") + every_text(
        f"sqlite:///{var_dir / 'assistant.db'}"
    )


def logs(var_dir: Path) -> str:
    """Every log the assistant's processes wrote (databases aside)."""
    return "\n".join(
        path.read_text(errors="replace")
        for path in var_dir.rglob("*")
        if path.is_file() and path.suffix in (".log", ".txt", "") and "db" not in path.name
    )


def test_delete_this_conversation_erases_it_and_starts_afresh(assistant, page):  # noqa: F811
    page.goto(demo_url(assistant))
    open_widget(page)
    expect_text(page, "I'm RUC's MFA assistant")
    ask(page, f"I lost my phone {MARKER}")
    answered(page)
    sender = sender_id(page)
    assert MARKER in stored(assistant.var_dir)

    # The menu, then a question in the panel; "Cancel" changes nothing.
    page.get_by_role("button", name="More").click()
    page.get_by_role("button", name="Delete this conversation").click()
    question = page.get_by_role("alertdialog", name="Delete this conversation")
    expect(question).to_contain_text("Delete this conversation for good?")
    page.screenshot(path=str(ARTIFACTS / "delete-question.png"))
    question.get_by_role("button", name="Cancel").click()
    expect(question).to_be_hidden()
    expect(conversation(page).get_by_text(MARKER)).to_be_visible()
    assert MARKER in stored(assistant.var_dir)

    page.get_by_role("button", name="More").click()
    page.get_by_role("button", name="Delete this conversation").click()
    question.get_by_role("button", name="Delete", exact=True).click()
    expect(question).to_be_hidden(timeout=ANSWER_TIMEOUT_MS)
    expect(conversation(page).get_by_text(MARKER)).to_have_count(0)
    expect_text(page, "I'm RUC's MFA assistant")  # a fresh conversation's greeting
    assert sender_id(page) != sender

    text = stored(assistant.var_dir)
    assert MARKER not in text and sender not in text
    written = logs(assistant.var_dir)
    assert "The MFA assistant is running" in written  # the logs were read
    assert MARKER not in written


def test_the_menu_speaks_danish(assistant, phone_page):  # noqa: F811
    phone_page.goto(demo_url(assistant, lang="da"))
    open_widget(phone_page, "MFA-hjælp")
    phone_page.get_by_role("button", name="Mere").click()
    phone_page.get_by_role("button", name="Slet denne samtale").click()
    question = phone_page.get_by_role("alertdialog", name="Slet denne samtale")
    expect(question).to_contain_text("Slet samtalen for altid?")
    expect(question.get_by_role("button", name="Slet", exact=True)).to_be_visible()
    phone_page.screenshot(path=str(ARTIFACTS / "delete-question-da.png"))
    phone_page.keyboard.press("Escape")
    expect(question).to_be_hidden()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"{not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (b"{}", '"sender" is required'),
        (json.dumps({"sender": "telegram:123"}).encode(), "belongs to another channel"),
        (json.dumps({"sender": "x" * 500}).encode(), "at most"),
    ],
)
def test_the_erase_endpoint_refuses_bad_requests_with_a_reason(assistant, body, reason):  # noqa: F811
    url = f"{assistant.base_url}/webhooks/rest/erase"
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400
    assert reason in json.loads(refused.value.read())["error"]
