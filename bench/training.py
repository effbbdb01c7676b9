"""Training time and peak memory: the project's config.yml against Rasa's default configuration.

Both train on the same domain and data, each from an empty component cache (Rasa would
otherwise restore featurizers trained earlier and time a fraction of the work).

The reference is `rasa init`'s configuration, uncommented. With DIET's default transformer it
trains far slower on this data than the project's pipeline (tens of minutes on 2 cores), so
its model is kept in models/reference/ under a fingerprint of the data and the config, with
the time and memory of the training that made it; later runs reuse it until the data changes.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from bench.memory import MemorySampler
from bot.domain import DOMAIN_FILE
from bot.processes.training import (
    RASA_WITH_HOOKS,
    TRAINING_INPUTS,
    fingerprint,
    rasa_environment,
)
from bot.settings import PROJECT_ROOT

# rasa init's config.yml (Rasa 3.6) with its commented default pipeline and policies written
# out: what a team gets when it configures nothing.
REFERENCE_CONFIG = """\
recipe: default.v1
assistant_id: reference-default-config
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies:
  - name: MemoizationPolicy
  - name: TEDPolicy
    max_history: 5
    epochs: 100
  - name: RulePolicy
"""


@dataclass
class Training:
    """One `rasa train`: how long it took, its peak RSS, and when (a cached one is older)."""

    model: str
    seconds: float
    peak_rss_bytes: int
    trained_on: str
    reused: bool = False


def train(config: Path, out_dir: Path, model_name: str, module: str = "rasa") -> Training:
    """`python -m <module> train` in a subprocess with a fresh component cache; raises if it
    fails. The project trains as `python -m bot train` does, the reference as stock Rasa."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-rasa-cache-") as cache:
        env = {**rasa_environment(), "RASA_CACHE_DIRECTORY": cache}
        command = [
            sys.executable, "-m", module, "train",
            "--config", str(config),
            "--domain", str(PROJECT_ROOT / DOMAIN_FILE),
            "--data", str(PROJECT_ROOT / "data"),
            "--out", str(out_dir),
            "--fixed-model-name", model_name,
        ]  # fmt: skip
        log_path = out_dir / f"{model_name}.log"
        started = time.monotonic()
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            sampler = MemorySampler(process.pid).start()
            returncode = process.wait()
            peaks = sampler.stop()
        seconds = time.monotonic() - started
    if returncode != 0:
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"rasa train failed for {config.name}:\n{tail}")
    return Training(
        model=str(out_dir / f"{model_name}.tar.gz"),
        seconds=seconds,
        peak_rss_bytes=max(peaks.values(), default=0),
        trained_on=date.today().isoformat(),
    )


def train_project(work_dir: Path) -> Training:
    """The project's own config.yml, trained again into a scratch directory (models/ untouched)."""
    return train(
        PROJECT_ROOT / "config.yml", work_dir / "project-model", "project", RASA_WITH_HOOKS
    )


def reference_key() -> str:
    """Names the reference after the domain and data it learnt, not the project's config.yml:
    tuning the project's pipeline must not throw away a model that is slow to train."""
    digest = hashlib.sha256(REFERENCE_CONFIG.encode()).hexdigest()[:6]
    inputs = tuple(name for name in TRAINING_INPUTS if name != "config.yml")
    return f"reference-{fingerprint(inputs=inputs)}-{digest}"


def reference_model(models_dir: Path, *, allow_training: bool, retrain: bool) -> Training | None:
    """The default-config model for the current data: reused if kept, else trained (or None)."""
    key = reference_key()
    folder = models_dir / "reference"
    model, record = folder / f"{key}.tar.gz", folder / f"{key}.json"
    if model.exists() and record.exists() and not retrain:
        return Training(**{**json.loads(record.read_text()), "model": str(model), "reused": True})
    if not allow_training:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-reference-") as scratch:
        config = Path(scratch) / "config.yml"
        config.write_text(REFERENCE_CONFIG)
        training = train(config, folder, key)
    for old in folder.glob("reference-*"):
        if not old.name.startswith(key):
            old.unlink()
    kept = {k: v for k, v in asdict(training).items() if k not in ("model", "reused")}
    record.write_text(json.dumps(kept, indent=2) + "\n")
    return training
