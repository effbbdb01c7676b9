"""The tree keeps its promises: one reader of the domain, responses where Rasa and that reader
both find them, translations that carry only what differs, and a settings table that lists
every setting."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from bot.domain import DOMAIN_FILE, RESPONSES_DIR, load_domain
from bot.locales import load_locale
from bot.settings import PROJECT_ROOT, Settings

CODE_DIRS = ("bot", "actions", "bench", "tests", "scripts", "migrations")


def _string_constants(tree: ast.AST) -> list[ast.Constant]:
    """Every string literal but docstrings (those may name the file they describe)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_only_the_domain_loader_names_the_domain_file():
    naming = []
    for folder in CODE_DIRS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if any(DOMAIN_FILE in node.value for node in _string_constants(tree)):
                naming.append(str(path.relative_to(PROJECT_ROOT)))
    assert naming == ["bot/domain.py"]


def test_responses_live_only_in_the_response_files():
    """Rasa merges `responses:` from any training-data file; the loader reads data/responses."""
    stray = []
    for path in sorted((PROJECT_ROOT / "data").rglob("*.yml")):
        if path.parent == PROJECT_ROOT / RESPONSES_DIR:
            continue
        if "responses" in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}):
            stray.append(str(path.relative_to(PROJECT_ROOT)))
    assert stray == []
    assert "responses" not in yaml.safe_load((PROJECT_ROOT / DOMAIN_FILE).read_text())


def test_the_loader_sees_the_domain_rasa_trains_with():
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(PROJECT_ROOT / "config.yml"),
        str(PROJECT_ROOT / DOMAIN_FILE),
        [str(PROJECT_ROOT / "data")],
    )
    assert importer.get_domain().responses == load_domain()["responses"]


def test_a_translation_carries_only_what_a_reader_sees(tmp_path: Path):
    folder = tmp_path / "xx"
    folder.mkdir()
    (folder / "a.yml").write_text(
        "responses:\n  utter_goodbye:\n    - text: Farvel\n      condition: []\n"
    )
    with pytest.raises(ValueError, match="only text, buttons and metadata"):
        load_locale("xx", tmp_path)


def test_a_translation_has_as_many_buttons_as_english(tmp_path: Path):
    folder = tmp_path / "xx"
    folder.mkdir()
    (folder / "a.yml").write_text(
        "responses:\n  utter_help:\n    - text: Hjælp\n      buttons: [En]\n"
    )
    with pytest.raises(ValueError, match="1 buttons, English has 4"):
        load_locale("xx", tmp_path)


def test_a_translated_button_keeps_the_english_payload_unless_it_has_its_own():
    greeting = load_locale("da").responses["utter_greet"][0]["buttons"]
    english = load_domain()["responses"]["utter_greet"][0]["buttons"]
    assert [b["payload"] for b in greeting[:-1]] == [b["payload"] for b in english[:-1]]
    assert greeting[-1] == {"title": "In English", "payload": english[-1]["payload"].replace(
        '"da"', '"en"'
    )}  # fmt: skip


def test_the_settings_table_lists_every_setting():
    fields = getattr(Settings, "model_fields", None) or Settings.__fields__
    documented = set()
    for line in (PROJECT_ROOT / "docs" / "configuration.md").read_text().splitlines():
        if line.startswith("| `MFA_"):
            documented |= set(re.findall(r"`MFA_(\w+)`", line.split("|")[1]))
    assert documented == {name.upper() for name in fields}
