"""The trained model answers at least 92% of unseen paraphrases correctly, in each language,
and replies in the language of the question."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.locales import languages
from bot.settings import PROJECT_ROOT
from tests.nlu.scoring import answer_key, load_heldout, score

HELDOUT_DIR = PROJECT_ROOT / "tests" / "nlu"
# The target is 92% (issue 15), and the floor. With the second opinion blended into the
# classifiers (bot/rasa_ext/second_opinion.py) the paraphrases are at 93.5% English, 92.6% Danish.
REQUIRED_ACCURACY = 0.92
# A first message of a word or two ("ok", a bare link) can't show its language; the rest must.
REQUIRED_LANGUAGE_MATCH = 0.95


@pytest.fixture(scope="module")
def agent(trained_model: Path):
    from rasa.core.agent import Agent

    return Agent.load(str(trained_model))


@pytest.mark.slow
@pytest.mark.parametrize("language", languages())
def test_heldout_paraphrases_reach_the_right_answer(agent, language: str, tmp_path_factory):
    heldout = load_heldout(HELDOUT_DIR / f"heldout_{language}.yml")
    assert sum(map(len, heldout.values())) >= 5 * len(heldout)
    report = asyncio.run(score(agent.parse_message, heldout, language))
    artifacts = PROJECT_ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / f"heldout_{language}.txt").write_text(report.summary() + "\n")
    print(report.summary())
    assert report.accuracy >= REQUIRED_ACCURACY, report.summary()
    assert report.language_accuracy >= REQUIRED_LANGUAGE_MATCH, report.summary()


def test_every_language_has_a_heldout_set_of_the_same_keys_and_size():
    english = load_heldout(HELDOUT_DIR / "heldout_en.yml")
    for language in languages():
        heldout = load_heldout(HELDOUT_DIR / f"heldout_{language}.yml")
        assert list(heldout) == list(english), language
        assert {k: len(v) for k, v in heldout.items()} == {k: len(v) for k, v in english.items()}


def test_answer_key_reads_the_response_selector():
    faq = {
        "intent": {"name": "faq"},
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/lost_phone"}}},
    }
    assert answer_key(faq) == "faq/lost_phone"
    one_for_all = {**faq, "response_selector": {"default": faq["response_selector"]["faq"]}}
    assert answer_key(one_for_all) == "faq/lost_phone"  # Rasa's default config
    assert answer_key({"intent": {"name": "faq"}}) == "faq"
    assert answer_key({"intent": {"name": "greet"}}) == "greet"
    assert answer_key({"intent": {"name": "nlu_fallback"}}) == "nlu_fallback"
    assert answer_key({}) == "nlu_fallback"
    assert answer_key({"intent": {"name": "request_ticket"}}) == "request_person"  # same reply
