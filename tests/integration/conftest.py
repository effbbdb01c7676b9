"""Fixtures shared by the console's test modules: the running console, its database, and a
headless Chromium page (tests/integration/console_browser.py).

Each module defines its own ``env`` (the console's settings: which databases, which limits);
these two start the console on it and open its database, once per module. A module that needs
something else defines its own fixture of the same name, which wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page
from sqlalchemy.orm import Session

from tests.integration.console import RunningConsole, database_sessions, running_console
from tests.integration.console_browser import new_page


@pytest.fixture(scope="module")
def console(env: dict[str, str]) -> Iterator[RunningConsole]:
    with running_console(env) as running:
        yield running


@pytest.fixture(scope="module")
def sessions(env: dict[str, str], console: RunningConsole) -> Iterator[Callable[[], Session]]:
    """Sessions on the console's database, once the console has migrated it."""
    with database_sessions(env) as factory:
        yield factory


@pytest.fixture
def page() -> Iterator[Page]:
    yield from new_page()
