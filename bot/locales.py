"""The assistant's languages: texts per language, read from locales/<code>/*.yml.

English is the language of the domain (bot/domain.py); every other language lives in a folder
of its own (locales/da/ for Danish) with three optional sections, spread over several files:

- ``responses``: the English responses' texts in that language, variant by variant in the
  same order (locales/da/responses/<feature>.yml beside data/responses/<feature>.yml). A
  variant carries only what a reader sees: ``text``, ``buttons`` as a list of titles (a
  ``{title, payload}`` where the payload differs too) and ``metadata`` that differs;
  conditions, channels, payloads and images are the English variant's at the same position.
  ``load_locale`` returns the whole variants (read by bot.rasa_ext.nlg.LocalizedNLG when the
  conversation's ``language`` slot names it);
- ``texts``: what code says without Rasa (channel errors, the servicedesk calendar, progress
  lines), nested by topic; English ones live in locales/en/;
- ``slot_values``: the language's wording of content slots such as the opening hours.

So a third language is a new folder of texts (and its training data), not new code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# Not bot.settings' PROJECT_ROOT: settings reads the calendar, which reads texts from here.
LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class Locale:
    code: str
    responses: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)
    texts: Mapping[str, Any] = field(default_factory=dict)
    slot_values: Mapping[str, str] = field(default_factory=dict)


def _merge(into: dict[str, Any], section: Mapping[str, Any], origin: Path) -> None:
    for key, value in section.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value, origin)
        elif key in into:
            raise ValueError(f"{origin}: '{key}' is defined twice in this language")
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value


OWN_KEYS = frozenset({"text", "buttons", "metadata"})


def _translated_variant(english: Mapping[str, Any], own: Mapping[str, Any], where: str) -> dict:
    """The English variant with a language's text, button titles and metadata put in."""
    unknown = set(own) - OWN_KEYS
    if unknown:
        raise ValueError(f"{where}: only text, buttons and metadata are translated: {unknown}")
    variant = {key: value for key, value in english.items() if key not in OWN_KEYS}
    if "text" in own:
        variant["text"] = own["text"]
    if english.get("metadata") or own.get("metadata"):
        variant["metadata"] = {**(english.get("metadata") or {}), **(own.get("metadata") or {})}
    english_buttons = english.get("buttons") or []
    own_buttons = own.get("buttons") or []
    if len(own_buttons) != len(english_buttons):
        raise ValueError(f"{where}: {len(own_buttons)} buttons, English has {len(english_buttons)}")
    if english_buttons:
        variant["buttons"] = [
            {**button, **(title if isinstance(title, Mapping) else {"title": title})}
            for button, title in zip(english_buttons, own_buttons, strict=True)
        ]
    return variant


def _translated_responses(own: Mapping[str, Any], code: str) -> dict[str, list[dict]]:
    from bot.domain import english_responses

    english = english_responses()
    responses = {}
    for name, variants in own.items():
        if name not in english:
            raise ValueError(f"locales/{code}: {name!r} is not an English response")
        if len(variants) != len(english[name]):
            raise ValueError(
                f"locales/{code}: {name} has {len(variants)} variants, English {len(english[name])}"
            )
        responses[name] = [
            _translated_variant(theirs, ours, f"locales/{code} {name} variant {number}")
            for number, (theirs, ours) in enumerate(zip(english[name], variants, strict=True))
        ]
    return responses


@lru_cache(maxsize=8)
def load_locale(code: str, locales_dir: Path = LOCALES_DIR) -> Locale:
    """One language's sections, merged from all YAML files in its folder and below."""
    sections: dict[str, dict[str, Any]] = {"responses": {}, "texts": {}, "slot_values": {}}
    folder = locales_dir / code
    if not folder.is_dir():
        raise ValueError(f"unknown language {code!r}: no folder {folder}")
    for path in sorted(folder.rglob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = set(content) - set(sections)
        if unknown:
            raise ValueError(f"{path}: unknown sections {sorted(unknown)}")
        for name, section in content.items():
            _merge(sections[name], section or {}, path)
    responses = _translated_responses(sections["responses"], code) if sections["responses"] else {}
    return Locale(code, responses, sections["texts"], sections["slot_values"])


@lru_cache(maxsize=1)
def languages(locales_dir: Path = LOCALES_DIR) -> tuple[str, ...]:
    """Every language the assistant speaks, the default first."""
    others = sorted(
        path.name
        for path in locales_dir.iterdir()
        if path.is_dir() and path.name != DEFAULT_LANGUAGE
    )
    return (DEFAULT_LANGUAGE, *others)


def supported(code: Any) -> str:
    """A language code the assistant speaks: the given one if known, else the default."""
    if isinstance(code, str):
        short = code.strip().lower()[:2]
        if short in languages():
            return short
    return DEFAULT_LANGUAGE


def text(key: str, language: Any = DEFAULT_LANGUAGE, **values: Any) -> str:
    """A code text by dotted key ("channel.sorry") in the language, English if it lacks one."""
    for code in (supported(language), DEFAULT_LANGUAGE):
        found = _lookup(load_locale(code).texts, key)
        if isinstance(found, str):
            return found.format(**values) if values else found
    raise KeyError(f"no text {key!r} in locales/{DEFAULT_LANGUAGE}")


def texts(key: str, language: Any = DEFAULT_LANGUAGE) -> dict[str, str]:
    """A section of code texts (such as the calendar's phrases), filled up from English."""
    english = _lookup(load_locale(DEFAULT_LANGUAGE).texts, key)
    own = _lookup(load_locale(supported(language)).texts, key)
    if not isinstance(english, Mapping):
        raise KeyError(f"no text section {key!r} in locales/{DEFAULT_LANGUAGE}")
    return {**english, **(own if isinstance(own, Mapping) else {})}


def _lookup(tree: Mapping[str, Any], key: str) -> Any:
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node
