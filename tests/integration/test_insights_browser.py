"""A content owner opens the insights page in headless Chromium and sees the charts.

The console runs as `python -m bot console` on a tracker database holding the hand-made
messages of insights_data.py; the content owner is made with the admin commands, enrols an
authenticator from the page, follows the header's "Insights" link, and chooses the data set's
period in the filter form. Every chart must be drawn (visible, with a size), the tables
filled; the screenshot goes to test-artifacts/insights.png.

Chromium is the system's (scripts/ensure-chromium.sh); a missing one fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from bot.settings import PROJECT_ROOT
from tests.integration import insights_data
from tests.integration.console import (
    RunningConsole,
    add_agent,
    agent_command,
    console_env,
    running_console,
)
from tests.integration.console_browser import enrol

SCREENSHOT = PROJECT_ROOT / "test-artifacts" / "insights.png"
USERNAME = "tove"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    trackers = f"sqlite:///{tmp_path / 'trackers.db'}"
    insights_data.seed(trackers)
    return console_env(
        tmp_path, f"sqlite:///{tmp_path / 'assistant.db'}", tracker_store_url=trackers
    )


@pytest.fixture
def console(env) -> Iterator[RunningConsole]:
    with running_console(env) as running:
        yield running


def test_a_content_owner_sees_the_charts(env, console, page: Page) -> None:
    add_agent(env, USERNAME, "Tove Ditlevsen")
    assert agent_command(env, "grant-content-owner", USERNAME).returncode == 0

    enrol(page, console.url("/tickets"), USERNAME)

    page.get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Insights", exact=True)).to_be_visible()
    page.get_by_label("From", exact=True).fill(insights_data.START.isoformat())
    page.get_by_label("To", exact=True).fill(insights_data.END.isoformat())
    page.get_by_label("Language").select_option("all")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="2026-03-02 to 2026-03-10")).to_be_visible()

    charts = page.get_by_role("img")
    expect(charts).to_have_count(9)
    for index in range(9):
        chart = charts.nth(index)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
    expect(page.get_by_role("img", name="Messages by weekday and hour")).to_be_visible()
    expect(page.locator("#misunderstood-table")).to_contain_text("ændre telefon")
    expect(page.locator("#days-table tbody tr")).to_have_count(9)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
