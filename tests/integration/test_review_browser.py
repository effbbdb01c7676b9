"""A content owner's review in headless Chromium: sign in, open the review queue, mark three
groups (a topic, a new topic with a note, out of scope), download the export, and the files
pass Rasa's validation beside the project's own training data.

The console runs alone (``python -m bot console``) on a tracker database seeded with the
insights' rows, as the tracker store writes them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot import db
from bot.insights.tables import CLARIFIED, FEEDBACK, SERVICEDESK
from bot.settings import PROJECT_ROOT
from tests.integration.console import (
    RunningConsole,
    add_agent,
    agent_command,
    console_env,
    running_console,
)
from tests.integration.console_browser import enrol
from tests.integration.review_seed import seed, turn, validate_with_project_data

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
OWNER = "ingrid"
LOST = "my phone fell in the harbour and the approvals went with it"
WATCH = "can the sign in approvals go to my garmin watch"
PARKING = "hvor må jeg parkere min cykel på campus"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    tracker_url = f"sqlite:///{tmp_path / 'trackers.db'}"
    engine = db.make_engine(tracker_url)
    seed(
        engine,
        [
            turn("b1", 1, LOST, outcome=CLARIFIED),
            turn("b2", 2, LOST.capitalize() + "!", confidence=0.2),
            turn("b3", 3, WATCH, topic="faq/computer_or_watch"),
            turn("b3", 4, "no", outcome=FEEDBACK, helpful=False, topic="faq/computer_or_watch"),
            turn("b4", 5, PARKING, outcome=SERVICEDESK, language="da"),
        ],
    )
    engine.dispose()
    return console_env(
        tmp_path, f"sqlite:///{tmp_path / 'assistant.db'}", tracker_store_url=tracker_url
    )


@pytest.fixture
def console(env) -> Iterator[RunningConsole]:
    with running_console(env) as running:
        yield running


def group(tab: Page, text: str):
    return tab.locator("article.group").filter(has=tab.get_by_role("heading", name=text))


def test_a_content_owner_reviews_and_exports(
    env,
    console,
    page: Page,
    tmp_path: Path,
) -> None:
    add_agent(env, OWNER, "Ingrid Jespersen")
    assert agent_command(env, "grant-content-owner", OWNER).returncode == 0

    enrol(page, console.url("/review"), OWNER)
    page.get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", name="Review queue", exact=True)).to_be_visible()
    expect(page.locator("#queue-counts")).to_contain_text("4 messages waiting in 3 groups")
    expect(page.locator("article.group")).to_have_count(3)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)

    lost = group(page, LOST.capitalize() + "!")
    expect(lost).to_contain_text("2×")
    lost.get_by_label("Topic", exact=True).select_option("faq/lost_phone")
    lost.get_by_role("button", name="Mark as this topic").click()
    expect(page.get_by_text("Marked 2 messages as faq/lost_phone.")).to_be_visible()

    watch = group(page, WATCH)
    watch.get_by_label("New topic", exact=True).fill("Smartwatches as the second factor")
    watch.get_by_role("button", name="New topic needed").click()
    expect(page.get_by_text("Marked 1 message as a new topic.")).to_be_visible()

    group(page, PARKING).get_by_role("button", name="Out of scope").click()
    expect(page.get_by_text("Marked 1 message as out of scope.")).to_be_visible()
    expect(page.get_by_text("Nothing waits for review.")).to_be_visible()
    expect(page.locator("#marks tbody tr")).to_have_count(4)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the marked messages as training data (zip)").click()
    archive_path = tmp_path / "export.zip"
    download_info.value.save_as(archive_path)
    export_dir = tmp_path / "export"
    with zipfile.ZipFile(archive_path) as archive:
        assert sorted(archive.namelist()) == [
            "data/nlu/da/reviewed_out_of_scope.yml",
            "data/nlu/reviewed_faq_lost_phone.yml",
            "new_topics.md",
        ]
        archive.extractall(export_dir)
    lost_file = (export_dir / "data" / "nlu" / "reviewed_faq_lost_phone.yml").read_text()
    # The same words twice are one example.
    assert lost_file.count("    - ") == 1 and f"    - {LOST}\n" in lost_file
    assert "## Smartwatches as the second factor" in (export_dir / "new_topics.md").read_text()
    page.screenshot(path=str(ARTIFACTS / "review-marked.png"), full_page=True)

    work = tmp_path / "project"
    work.mkdir()
    validate_with_project_data(export_dir, work)
