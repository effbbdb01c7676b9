"""Answer quality, scored as tests/nlu does (tests/nlu/scoring.py): held-out paraphrase accuracy per
language, and the real questions' test split three ways (right, honest, wrong) beside the
keyword-search baseline over RUC's page (bench/keyword_search.py).

Each model is loaded in a subprocess (`python -m bench.quality <model>`): TensorFlow and two
models would otherwise stay in the benchmark's own memory and compete with the load
generator for the CPU for the rest of the run.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from bot.processes.training import rasa_environment
from bot.settings import PROJECT_ROOT

HELDOUT_DIR = PROJECT_ROOT / "tests" / "nlu"
REAL_DIR = HELDOUT_DIR / "real"
# Reported apart: real English, real Danish, and Danish translated from real English questions.
REAL_CORPORA = {
    "English (real)": REAL_DIR / "en.yml",
    "Danish (real)": REAL_DIR / "da.yml",
    "Danish (translated)": REAL_DIR / "da_translated.yml",
}


def measure(model: Path) -> dict[str, dict[str, dict[str, float]]]:
    """{"paraphrases": language -> {"accuracy", "right", "total"}, "real": corpus ->
    {"model": counts and shares, "keyword search": the same}} for `model`, from a subprocess."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.quality", str(model)],
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"scoring {model.name} failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


async def _score_all(model: Path) -> dict[str, dict[str, dict[str, float]]]:
    # Imported here, in the subprocess: tests.nlu.scoring pulls in Rasa and TensorFlow.
    from rasa.core.agent import Agent

    from bench.keyword_search import KeywordSearch, shared_content_dir
    from bot.locales import languages
    from tests.nlu.scoring import (
        TEST,
        load_heldout,
        load_real_questions,
        model_answers,
        model_suggestions,
        score,
        score_real,
    )

    agent = Agent.load(str(model))
    paraphrases: dict[str, dict[str, float]] = {}
    for language in languages():
        heldout = load_heldout(HELDOUT_DIR / f"heldout_{language}.yml")
        report = await score(agent.parse_message, heldout, language)
        paraphrases[language] = {
            "accuracy": report.accuracy,
            "right": report.right,
            "total": report.total,
        }
    content = shared_content_dir()
    search = KeywordSearch.over_ruc_page(content) if content else None
    real: dict[str, dict[str, float]] = {}
    for name, path in REAL_CORPORA.items():
        questions = load_real_questions(path, TEST)
        model = model_answers(agent.parse_message)
        offered = model_suggestions(agent.parse_message)
        scored = {"model": await score_real(model, questions, name, offered)}
        if search:
            scored["keyword search"] = await score_real(search.answer, questions, name)
        real[name] = {who: report.as_dict() for who, report in scored.items()}
    return {"paraphrases": paraphrases, "real": real}


def main() -> None:
    print(json.dumps(asyncio.run(_score_all(Path(sys.argv[1])))))


if __name__ == "__main__":
    main()
