"""Every language says everything: no response or code text lacks its Danish or English text.

Each language's responses must mirror the English ones variant by variant (same conditions,
channels, images and button payloads, the same {slot} placeholders), so that whatever the
conversation's state, the chosen variant exists in every language and says the same thing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.domain import load_domain
from bot.locales import DEFAULT_LANGUAGE, languages, load_locale, supported, text, texts

DOMAIN = load_domain()
RESPONSES: dict[str, list[dict[str, Any]]] = DOMAIN["responses"]
OTHERS = [code for code in languages() if code != DEFAULT_LANGUAGE]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# The greeting offers the *other* language, so its language button differs on purpose.
LANGUAGE_SWITCH = "/change_language"
MIRRORED_KEYS = ("condition", "channel", "image", "custom")


def placeholders(value: str | None) -> set[str]:
    return set(PLACEHOLDER.findall((value or "").replace("{{", "").replace("}}", "")))


def payloads(variant: dict[str, Any]) -> list[str]:
    return [
        button["payload"]
        for button in variant.get("buttons") or []
        if not button["payload"].startswith(LANGUAGE_SWITCH)
    ]


def test_there_are_two_languages_english_first():
    assert languages()[:1] == ("en",) and "da" in languages()


@pytest.mark.parametrize("code", OTHERS)
def test_every_response_exists_in_every_language(code):
    own = load_locale(code).responses
    assert sorted(set(RESPONSES) - set(own)) == [], f"missing in locales/{code}"
    assert sorted(set(own) - set(RESPONSES)) == [], f"locales/{code} has unknown responses"


@pytest.mark.parametrize("code", OTHERS)
@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_each_variant_mirrors_the_english_one(code, name):
    english, own = RESPONSES[name], load_locale(code).responses.get(name)
    assert own is not None
    assert len(own) == len(english), "the same variants, in the same order"
    for number, (theirs, ours) in enumerate(zip(english, own, strict=True)):
        where = f"{name} variant {number}"
        assert set(ours) == set(theirs), where
        for key in MIRRORED_KEYS:
            assert ours.get(key) == theirs.get(key), f"{where}: {key}"
        assert payloads(ours) == payloads(theirs), where
        assert placeholders(ours.get("text")) == placeholders(theirs.get("text")), where
        assert bool(ours.get("text")) == bool(theirs.get("text")), where
        buttons = zip(ours.get("buttons") or [], theirs.get("buttons") or [], strict=True)
        for mine, english_button in buttons:
            assert placeholders(mine["title"]) == placeholders(english_button["title"]), where
        title = (theirs.get("metadata") or {}).get("topic_title")
        if title:
            assert (ours.get("metadata") or {}).get("topic_title"), f"{where}: topic_title"


def _leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            found.update(_leaves(value, f"{prefix}{key}."))
        else:
            found[f"{prefix}{key}"] = value
    return found


@pytest.mark.parametrize("code", OTHERS)
def test_every_code_text_exists_in_every_language_with_its_placeholders(code):
    english = _leaves(load_locale(DEFAULT_LANGUAGE).texts)
    own = _leaves(load_locale(code).texts)
    assert sorted(set(english) - set(own)) == []
    for key, value in english.items():
        assert placeholders(own[key]) == placeholders(value), key
        if key.endswith("_names"):
            assert len(own[key].split(",")) == len(value.split(",")), key


@pytest.mark.parametrize("code", OTHERS)
def test_a_language_words_only_content_slots_that_exist(code):
    slots = DOMAIN["slots"]
    for name in load_locale(code).slot_values:
        assert isinstance(slots[name].get("initial_value"), str), name


def test_texts_fall_back_to_english_and_fill_placeholders():
    assert text("walkthrough.progress", "da", number=2, total=6) == "Trin 2 af 6"
    assert text("walkthrough.progress", "xx", number=2, total=6) == "Step 2 of 6"
    assert texts("hours", "da")["today"] == "i dag"
    assert supported("da-DK") == "da" and supported(None) == "en" and supported(7) == "en"


def test_a_text_defined_twice_in_one_language_is_refused(tmp_path: Path):
    folder = tmp_path / "xx"
    folder.mkdir()
    (folder / "a.yml").write_text("texts:\n  channel:\n    sorry: one\n")
    (folder / "b.yml").write_text("texts:\n  channel:\n    sorry: two\n")
    with pytest.raises(ValueError, match="twice"):
        load_locale("xx", tmp_path)


def test_an_unknown_section_is_refused(tmp_path: Path):
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "a.yml").write_text("respones: {}\n")
    with pytest.raises(ValueError, match="unknown sections"):
        load_locale("xx", tmp_path)
