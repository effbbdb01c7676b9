"""Shared fixtures: the project's paths, its domain, and a model trained from the repo."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import PROJECT_ROOT, get_settings
from bot.training import ensure_model

SHARED_CONTENT_CANDIDATES = (
    Path(os.environ.get("MFA_SHARED_CONTENT", "")),
    PROJECT_ROOT.parent / "shared" / "content",
)


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


@pytest.fixture(scope="session")
def shared_content() -> Path:
    """The sourced content the answers must come from (read by tests only, never at run time)."""
    for candidate in SHARED_CONTENT_CANDIDATES:
        if str(candidate) not in ("", ".") and (candidate / "facts.md").exists():
            return candidate
    pytest.fail(
        "The shared content (facts.md, ruc-mfa-page.txt) was not found; set MFA_SHARED_CONTENT."
    )


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the repo's current data: reused if it exists, trained otherwise."""
    return ensure_model(get_settings().models_dir)
