from pathlib import Path

from bot.domain import DOMAIN_FILE
from bot.processes.training import ensure_model, fingerprint, model_path


def make_project(root: Path) -> None:
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("recipe: default.v1\n")
    (root / DOMAIN_FILE).write_text("version: '3.1'\n")
    (root / "data" / "nlu" / "greet.yml").write_text("nlu: []\n")


def test_fingerprint_changes_with_any_training_input(tmp_path: Path):
    make_project(tmp_path)
    before = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == before
    (tmp_path / "data" / "nlu" / "greet.yml").write_text("nlu: [x]\n")
    changed_data = fingerprint(tmp_path)
    assert changed_data != before
    (tmp_path / "data" / "nlu" / "new.yml").write_text("nlu: []\n")
    assert fingerprint(tmp_path) != changed_data


def test_files_outside_the_training_inputs_do_not_count(tmp_path: Path):
    make_project(tmp_path)
    before = fingerprint(tmp_path)
    (tmp_path / "README.md").write_text("docs")
    assert fingerprint(tmp_path) == before


def test_an_existing_model_for_the_same_data_is_reused_without_training(tmp_path: Path):
    make_project(tmp_path)
    models = tmp_path / "models"
    models.mkdir()
    existing = model_path(models, tmp_path)
    existing.write_bytes(b"model")
    # Training this toy project would fail loudly; reuse must not even try.
    assert ensure_model(models, tmp_path) == existing
    assert existing.read_bytes() == b"model"


def test_a_fingerprint_of_chosen_inputs_ignores_the_others(tmp_path: Path):
    make_project(tmp_path)
    before = fingerprint(tmp_path, inputs=(DOMAIN_FILE, "data"))
    (tmp_path / "config.yml").write_text("pipeline: [changed]\n")
    assert fingerprint(tmp_path, inputs=(DOMAIN_FILE, "data")) == before
    (tmp_path / DOMAIN_FILE).write_text("version: '3.1'\nintents: [greet]\n")
    assert fingerprint(tmp_path, inputs=(DOMAIN_FILE, "data")) != before
