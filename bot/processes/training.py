"""Train the Rasa model only when its inputs changed.

Rasa 3 always packs a fresh model archive, even when nothing changed. Naming the archive after
a fingerprint of config.yml, domain.yml and data/ lets start-up reuse an existing model in
a second, and makes "which data made this model?" answerable from the file name.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from bot.domain import DOMAIN_FILE
from bot.settings import PROJECT_ROOT

MODEL_PREFIX = "mfa-"
TRAINING_INPUTS = ("config.yml", DOMAIN_FILE, "data")  # responses are in data/responses
# Rasa's command line with the assistant's hooks: serving and training go through it.
RASA_WITH_HOOKS = "bot.rasa_ext.rasa_server"


def rasa_environment() -> dict[str, str]:
    """Environment for Rasa subprocesses: they import bot/, and never phone home."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def training_files(
    root: Path = PROJECT_ROOT, inputs: tuple[str, ...] = TRAINING_INPUTS
) -> list[Path]:
    files: list[Path] = []
    for name in inputs:
        path = root / name
        files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return files


def fingerprint(root: Path = PROJECT_ROOT, inputs: tuple[str, ...] = TRAINING_INPUTS) -> str:
    """Hash of every training input's relative path and content."""
    digest = hashlib.sha256()
    for path in training_files(root, inputs):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def model_path(models_dir: Path, root: Path = PROJECT_ROOT) -> Path:
    return models_dir / f"{MODEL_PREFIX}{fingerprint(root)}.tar.gz"


def ensure_model(models_dir: Path, root: Path = PROJECT_ROOT, *, force: bool = False) -> Path:
    """Return the model for the current data, training it first if there is none."""
    target = model_path(models_dir, root)
    if target.exists() and not force:
        print(f"Model is up to date: {target.name}", flush=True)
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    print("Training the model (data changed or no model yet) ...", flush=True)
    subprocess.run(
        [
            sys.executable, "-m", RASA_WITH_HOOKS, "train",
            "--config", str(root / "config.yml"),
            "--domain", str(root / DOMAIN_FILE),
            "--data", str(root / "data"),
            "--out", str(models_dir),
            "--fixed-model-name", target.name.removesuffix(".tar.gz"),
        ],
        cwd=root,
        env=rasa_environment(),
        check=True,
    )  # fmt: skip
    for old in models_dir.glob(f"{MODEL_PREFIX}*.tar.gz"):
        if old != target:
            old.unlink()
    return target
