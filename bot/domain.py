"""The one reader of the assistant's domain: domain.yml plus the responses kept by feature.

domain.yml holds what the dialogue is made of (intents, entities, slots, forms, actions, the
session settings and the content slots: links, phone number, hours). The English responses
live next to their rules and examples in data/responses/<feature>.yml, which Rasa's importer
merges into the domain when it trains (it reads `responses:` from training-data files). Code
and tests that need the domain read it here, merged the same way, so none of them opens
domain.yml by itself and none sees a domain without its responses.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# Not bot.settings' PROJECT_ROOT: settings reads the calendar, which reads texts via locales.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DOMAIN_FILE = "domain.yml"
RESPONSES_DIR = Path("data") / "responses"


def response_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The English response files, by feature."""
    return sorted((root / RESPONSES_DIR).glob("*.yml"))


@lru_cache(maxsize=4)
def load_domain(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """domain.yml with every response file's responses merged in (shared: do not modify)."""
    domain = yaml.safe_load((root / DOMAIN_FILE).read_text(encoding="utf-8")) or {}
    responses: dict[str, Any] = dict(domain.get("responses") or {})
    for path in response_files(root):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (content.get("responses") or {}).items():
            if name in responses:
                raise ValueError(f"{path}: response {name!r} is defined twice")
            responses[name] = variants
    domain["responses"] = responses
    return domain


def action_names(domain: dict[str, Any]) -> frozenset[str]:
    """The custom actions the domain declares; an entry may carry options (`send_domain`)."""
    return frozenset(
        entry if isinstance(entry, str) else next(iter(entry))
        for entry in domain.get("actions") or ()
    )


def english_responses(root: Path = PROJECT_ROOT) -> dict[str, list[dict[str, Any]]]:
    return load_domain(root)["responses"]


def rasa_domain(root: Path = PROJECT_ROOT) -> Any:
    """The same merged domain as Rasa's Domain object (for tests and tools that need one)."""
    from rasa.shared.core.domain import Domain

    return Domain.from_dict(load_domain(root))
