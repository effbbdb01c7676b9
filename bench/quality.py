"""Held-out paraphrase accuracy per language, scored as tests/nlu does (bot/nlu_eval.py).

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

from bot.settings import PROJECT_ROOT
from bot.training import rasa_environment

HELDOUT_DIR = PROJECT_ROOT / "tests" / "nlu"


def measure(model: Path) -> dict[str, dict[str, float]]:
    """language -> {"accuracy", "right", "total"} for `model`, from a subprocess."""
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


async def _score_all(model: Path) -> dict[str, dict[str, float]]:
    # Imported here, in the subprocess: bot.nlu_eval pulls in Rasa and TensorFlow.
    from rasa.core.agent import Agent

    from bot.locales import languages
    from bot.nlu_eval import load_heldout, score

    agent = Agent.load(str(model))
    results: dict[str, dict[str, float]] = {}
    for language in languages():
        heldout = load_heldout(HELDOUT_DIR / f"heldout_{language}.yml")
        report = await score(agent.parse_message, heldout, language)
        results[language] = {
            "accuracy": report.accuracy,
            "right": report.right,
            "total": report.total,
        }
    return results


def main() -> None:
    print(json.dumps(asyncio.run(_score_all(Path(sys.argv[1])))))


if __name__ == "__main__":
    main()
