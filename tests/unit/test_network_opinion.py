"""The first opinion: a small network over the text features learns, saves and loads."""

from __future__ import annotations

import pytest

from bot.rasa_ext.network_opinion import NetworkClassifier, NetworkOpinion

EXAMPLES = {
    "faq/lost_phone": ["I lost my phone", "my phone was stolen", "phone broke cant sign in"],
    "faq/new_phone": ["I got a new phone", "moving authenticator to my new phone"],
    "greet": ["hi", "hello there", "good morning"],
}


@pytest.fixture(scope="module")
def classifier() -> NetworkClassifier:
    texts = [text for examples in EXAMPLES.values() for text in examples]
    labels = [label for label, examples in EXAMPLES.items() for _ in examples]
    config = {**NetworkOpinion.get_default_config(), "epochs": 200}
    return NetworkClassifier.train(texts, labels, config)


def test_it_learns_the_examples_and_every_probability_set_sums_to_one(classifier):
    first, second = classifier.probabilities(["my phone got stolen", "hello"], temperature=1.0)
    assert max(first, key=first.get) == "faq/lost_phone"
    assert max(second, key=second.get) == "greet"
    assert sum(first.values()) == pytest.approx(1.0)


def test_a_saved_model_loads_to_the_same_answers_without_a_pickle(classifier, tmp_path):
    classifier.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vocabularies.json", "weights.npz"]
    loaded = NetworkClassifier.load(tmp_path)
    texts = ["new fone", "stolen phone", "hej"]
    for before, after in zip(
        classifier.probabilities(texts, 1.0), loaded.probabilities(texts, 1.0), strict=True
    ):
        assert before == pytest.approx(after, abs=1e-6)


def test_a_higher_temperature_makes_it_less_sure(classifier):
    sharp = classifier.probabilities(["stolen phone"], temperature=1.0)[0]
    soft = classifier.probabilities(["stolen phone"], temperature=3.0)[0]
    assert max(soft.values()) < max(sharp.values())
