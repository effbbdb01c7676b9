"""Shared fixtures: the project's paths, its domain, and a model trained from the repo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.keyword_search import shared_content_dir
from bot.domain import load_domain
from bot.processes.training import ensure_model
from bot.settings import get_settings


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return load_domain()


@pytest.fixture(scope="session")
def shared_content() -> Path:
    """The sourced content the answers must come from (read by tests only, never at run time)."""
    found = shared_content_dir()
    if found:
        return found
    pytest.fail(
        "The shared content (facts.md, ruc-mfa-page.txt) was not found; set MFA_SHARED_CONTENT."
    )


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the repo's current data: reused if it exists, trained otherwise."""
    return ensure_model(get_settings().models_dir)


@pytest.fixture(scope="session", autouse=True)
def no_typed_secret_survives(tmp_path_factory):
    """After the whole run: no secret a test typed is left in any assistant's files."""
    from tests.typed_secrets import TYPED, assistant_files, survivors

    yield
    files = assistant_files(tmp_path_factory.getbasetemp())
    left = survivors(files, TYPED)
    assert not left, f"typed secrets survive in the assistants' files: {left[:10]}"
