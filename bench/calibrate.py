"""Choose the confidence thresholds on the development split of the real questions.

`python -m bench.calibrate [MODEL]` parses the dev questions (tests/nlu/real/, split dev) and
the paraphrase sets once, then replays Rasa's FallbackClassifier and the answer gate
(bot/rasa_ext/confidence_gate.py) for a grid of thresholds on the stored parse data, and prints the
settings that keep wrong answers lowest for the right answers they cost (a wrong answer counts
as much as two right ones lost). The test split is never read here: it only scores the choice
afterwards (tests/nlu/test_real_questions.py).
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.rasa_ext.confidence_gate import FALLBACK_INTENT, Thresholds, classifier_intent, is_doubtful
from bot.rasa_ext.nlu_safety import rule_intent
from bot.settings import PROJECT_ROOT
from tests.nlu.scoring import (
    DEV,
    OUTCOMES,
    RIGHT,
    WRONG,
    answer_key,
    load_heldout,
    load_real_questions,
    outcome,
)

REAL_DIR = PROJECT_ROOT / "tests" / "nlu" / "real"
HELDOUT_DIR = PROJECT_ROOT / "tests" / "nlu"
FALLBACK_THRESHOLDS = (0.3, 0.4, 0.5, 0.6)
AMBIGUITY_THRESHOLDS = (0.05, 0.1, 0.2)
ANSWER_THRESHOLDS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
MARGIN_THRESHOLDS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4)
PARAPHRASE_BAR = 0.92  # the paraphrase sets stay at or above this (issue target)
WRONG_COST = 2.0


def replayed_answer(
    parse_data: Mapping[str, Any], fallback: float, ambiguity: float, gate: Thresholds
) -> str:
    """The answer key the parse data would give under other thresholds."""
    by_rule = rule_intent(parse_data.get("text") or "")
    if by_rule:  # bot/rasa_ext/nlu_safety.py decides after every threshold
        return by_rule
    ranking = [r for r in parse_data.get("intent_ranking") or [] if r["name"] != FALLBACK_INTENT]
    intent, confidence = classifier_intent(parse_data)
    runner_up = float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0
    if intent is None or confidence < fallback or confidence - runner_up < ambiguity:
        return FALLBACK_INTENT
    if is_doubtful(parse_data, gate):
        return FALLBACK_INTENT
    return answer_key({**parse_data, "intent": {"name": intent, "confidence": confidence}})


async def _parse_all(model: Path) -> dict[str, list[tuple[tuple[str, ...], dict[str, Any]]]]:
    from rasa.core.agent import Agent

    from bot.locales import languages

    agent = Agent.load(str(model))
    sets: dict[str, list[tuple[tuple[str, ...], dict[str, Any]]]] = {}
    for path in sorted(REAL_DIR.glob("*.yml")):
        questions = load_real_questions(path, split=DEV)
        sets[f"real dev {path.stem}"] = [
            (q.answers, await agent.parse_message(q.text)) for q in questions
        ]
    for language in languages():
        heldout = load_heldout(HELDOUT_DIR / f"heldout_{language}.yml")
        sets[f"paraphrases {language}"] = [
            ((key,), await agent.parse_message(text))
            for key, texts in heldout.items()
            for text in texts
        ]
    return sets


def _counts(parsed, settings) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOMES, 0)
    for answers, parse_data in parsed:
        counts[outcome(replayed_answer(parse_data, *settings), answers)] += 1
    return counts


def main() -> None:
    from bot.processes.training import ensure_model
    from bot.settings import get_settings

    model = Path(sys.argv[1]) if len(sys.argv) > 1 else ensure_model(get_settings().models_dir)
    sets = asyncio.run(_parse_all(model))
    rows = []
    for fallback, ambiguity, answer, margin in itertools.product(
        FALLBACK_THRESHOLDS, AMBIGUITY_THRESHOLDS, ANSWER_THRESHOLDS, MARGIN_THRESHOLDS
    ):
        settings = (fallback, ambiguity, Thresholds(answer, margin))
        results = {name: _counts(parsed, settings) for name, parsed in sets.items()}
        real = [c for name, c in results.items() if name.startswith("real")]
        total = sum(sum(c.values()) for c in real) or 1
        right = sum(c[RIGHT] for c in real) / total
        wrong = sum(c[WRONG] for c in real) / total
        paraphrase = min(
            (c[RIGHT] / sum(c.values()) for n, c in results.items() if n.startswith("para")),
            default=1.0,
        )
        rows.append((right - WRONG_COST * wrong, right, wrong, paraphrase, settings, results))
    # A wrong answer costs WRONG_COST right ones; settings that take the paraphrase sets below
    # their bar are candidates only if none keeps them there.
    candidates = [row for row in rows if row[3] >= PARAPHRASE_BAR] or rows
    candidates.sort(key=lambda row: -row[0])
    ungated = next(row for row in rows if row[4] == (0.5, 0.1, Thresholds()))
    print("fallback ambiguity answer margin | real dev right wrong | paraphrases (min) | counts")
    for _, right, wrong, paraphrase, (fb, amb, gate), results in [ungated, *candidates[:20]]:
        print(
            f"{fb:.2f} {amb:.2f} {gate.answer:.2f} {gate.margin:.2f} | "
            f"{right:.1%} {wrong:.1%} | {paraphrase:.1%} | "
            + "  ".join(f"{n}: {c[RIGHT]}/{c[WRONG]}/{sum(c.values())}" for n, c in results.items())
        )


if __name__ == "__main__":
    main()
