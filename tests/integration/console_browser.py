"""Headless Chromium for the console's browser tests, and an agent's first sign-in in it.

The console's pages are tried as an agent uses them: Debian's Chromium driven by Playwright,
a fresh browser per test (no cookie carries over), and the enrolment typed as a person would
(the secret read from the page's "Can't scan?" text, the code from it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.integration.console import PASSWORD, fresh_code

CHROMIUM = Path("/usr/bin/chromium")


def new_page() -> Iterator[Page]:
    """A page in a fresh headless Chromium, closed afterwards (the ``page`` fixture's)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; run scripts/ensure-chromium.sh "
            "(make test does).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser.new_page(locale="en-GB", viewport={"width": 1280, "height": 900})
        finally:
            browser.close()


def enter_password(page: Page, username: str, password: str = PASSWORD) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()


def enrol(page: Page, url: str, username: str) -> str:
    """An agent's first sign-in at ``url``: the password, then the authenticator app set up
    from the page's secret; returns the secret."""
    page.goto(url)
    enter_password(page, username)
    page.get_by_text("Can't scan?").click()
    secret = page.locator("#manual-secret").inner_text().replace(" ", "")
    page.get_by_label("Six-digit code").fill(fresh_code(secret, None))
    page.get_by_role("button", name="Confirm and sign in").click()
    return secret
