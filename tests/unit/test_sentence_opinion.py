"""The sentence encoder (bot/sentence_encoder.py) and the third opinion built on it."""

from __future__ import annotations

import numpy as np
import pytest

from bot.rasa_ext.sentence_opinion import SentenceClassifier, SentenceOpinion
from bot.sentence_encoder import default_encoder

EXAMPLES = {
    "faq/lost_phone": ["I lost my phone", "my phone was stolen", "phone broke cant sign in"],
    "faq/install_app": ["how do I install the authenticator app", "where do I download the app"],
    "greet": ["hi", "hello there", "good morning"],
}


@pytest.fixture(scope="module")
def classifier() -> SentenceClassifier:
    texts = [text for examples in EXAMPLES.values() for text in examples]
    labels = [label for label, examples in EXAMPLES.items() for _ in examples]
    return SentenceClassifier.train(texts, labels, c=1.0)


def test_sentences_that_mean_the_same_are_near_whatever_their_words():
    lost, stolen, nicked, printer = default_encoder().encode(
        [
            "I lost my phone",
            "my phone was stolen",
            "my mobile got nicked on the bus",
            "the printer on floor 2 is jammed",
        ]
    )
    assert lost @ stolen > 0.7
    assert lost @ nicked > 2 * (lost @ printer)
    assert np.linalg.norm(lost) == pytest.approx(1.0, abs=1e-5)


def test_a_batch_gives_what_each_text_alone_gives():
    texts = ["I lost my phone", "hi", "where do I download Microsoft Authenticator?", "hi there"]
    together = default_encoder().encode(texts)
    alone = np.stack([default_encoder().encode([text])[0] for text in texts])
    assert np.abs(together - alone).max() < 1e-5


def test_words_it_never_saw_in_the_examples_reach_the_right_answer(classifier):
    (opinion,) = classifier.probabilities(["my mobile got nicked on the bus"], temperature=0.2)
    assert max(opinion, key=opinion.get) == "faq/lost_phone"
    assert sum(opinion.values()) == pytest.approx(1.0)


def test_a_saved_model_loads_to_the_same_answers(classifier, tmp_path):
    classifier.save(tmp_path)
    assert not list(tmp_path.glob("*.pkl"))
    loaded = SentenceClassifier.load(tmp_path)
    text = ["can't find where to get the app"]
    assert loaded.probabilities(text, 0.2) == classifier.probabilities(text, 0.2)


def parsed(text: str) -> dict:
    """What DIET, the ResponseSelector and the second opinion left: a confident wrong answer."""
    return {
        "text": text,
        "intent": {"name": "faq", "confidence": 0.9},
        "intent_ranking": [
            {"name": "faq", "confidence": 0.9},
            {"name": "greet", "confidence": 0.1},
        ],
        "response_selector": {
            "faq": {
                "response": {"intent_response_key": "faq/install_app"},
                "ranking": [
                    {"intent_response_key": "faq/install_app", "confidence": 0.55},
                    {"intent_response_key": "faq/lost_phone", "confidence": 0.45},
                ],
            }
        },
    }


def opinion_of(classifier: SentenceClassifier, text: str):
    from rasa.shared.nlu.training_data.message import Message

    component = SentenceOpinion(SentenceOpinion.get_default_config(), None, None, classifier)
    message = Message(data=parsed(text))
    component.process([message])
    return message.data


def test_in_english_it_moves_the_blend_toward_what_the_sentence_means(classifier):
    data = opinion_of(classifier, "my mobile got nicked on the bus yesterday")
    assert data["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/lost_phone"


def test_a_danish_message_keeps_the_other_opinions(classifier):
    data = opinion_of(classifier, "min telefon blev stjålet i bussen i går")
    assert data == parsed("min telefon blev stjålet i bussen i går")
