"""The two classifiers over the text features, the network (first opinion) and the linear SVM
(second): each learns, gives probabilities, and loads from plain files to the same answers."""

from __future__ import annotations

import pytest

from bot.rasa_ext.network_opinion import NetworkClassifier, NetworkOpinion
from bot.rasa_ext.second_opinion import LinearClassifier, SecondOpinion

EXAMPLES = {
    "faq/lost_phone": ["I lost my phone", "my phone was stolen", "phone broke cant sign in"],
    "faq/new_phone": ["I got a new phone", "moving authenticator to my new phone"],
    "greet": ["hi", "hello there", "good morning"],
}
# The network learns nine examples in more than its usual 30 passes.
KINDS = {
    "network": (NetworkClassifier, {**NetworkOpinion.get_default_config(), "epochs": 200}),
    "linear": (LinearClassifier, SecondOpinion.get_default_config()),
}


@pytest.fixture(scope="module", params=sorted(KINDS))
def kind(request):
    classifier_type, config = KINDS[request.param]
    texts = [text for examples in EXAMPLES.values() for text in examples]
    labels = [label for label, examples in EXAMPLES.items() for _ in examples]
    return classifier_type, classifier_type.train(texts, labels, config)


def test_it_learns_the_examples_and_every_probability_set_sums_to_one(kind):
    _, classifier = kind
    first, second = classifier.probabilities(["my phone got stolen", "hello"], temperature=0.5)
    assert max(first, key=first.get) == "faq/lost_phone"
    assert max(second, key=second.get) == "greet"
    assert sum(first.values()) == pytest.approx(1.0)


def test_a_saved_model_loads_to_the_same_answers_without_a_pickle(kind, tmp_path):
    classifier_type, classifier = kind
    classifier.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vocabularies.json", "weights.npz"]
    loaded = classifier_type.load(tmp_path)
    texts = ["new fone", "stolen phone", "hej"]
    for before, after in zip(
        classifier.probabilities(texts, 0.5), loaded.probabilities(texts, 0.5), strict=True
    ):
        assert before == pytest.approx(after, abs=1e-6)


def test_a_higher_temperature_makes_it_less_sure(kind):
    _, classifier = kind
    sharp = classifier.probabilities(["stolen phone"], temperature=0.5)[0]
    soft = classifier.probabilities(["stolen phone"], temperature=3.0)[0]
    assert max(soft.values()) < max(sharp.values())
