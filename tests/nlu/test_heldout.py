"""The trained model answers at least 90% of unseen paraphrases correctly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.nlu_eval import answer_key, load_heldout, score
from bot.settings import PROJECT_ROOT

HELDOUT_DIR = PROJECT_ROOT / "tests" / "nlu"
REQUIRED_ACCURACY = 0.90


@pytest.fixture(scope="module")
def agent(trained_model: Path):
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en"])
def test_heldout_paraphrases_reach_the_right_answer(agent, language: str, tmp_path_factory):
    heldout = load_heldout(HELDOUT_DIR / f"heldout_{language}.yml")
    assert sum(map(len, heldout.values())) >= 5 * len(heldout)
    report = asyncio.run(score(agent.parse_message, heldout))
    artifacts = PROJECT_ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / f"heldout_{language}.txt").write_text(report.summary() + "\n")
    print(report.summary())
    assert report.accuracy >= REQUIRED_ACCURACY, report.summary()


def test_answer_key_reads_the_response_selector():
    faq = {
        "intent": {"name": "faq"},
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/lost_phone"}}},
    }
    assert answer_key(faq) == "faq/lost_phone"
    assert answer_key({"intent": {"name": "greet"}}) == "greet"
    assert answer_key({"intent": {"name": "nlu_fallback"}}) == "nlu_fallback"
    assert answer_key({}) == "nlu_fallback"
