"""An NLU step that adds a third opinion from what an English sentence means.

The network and the linear opinions (network_opinion.py, second_opinion.py) both
learn from the words of our own examples. Real people's questions often use other words for
the same thing, and there both guess. A pretrained sentence encoder
(bot/sentence_encoder.py) already knows that "my mobile was nicked" is near "I lost my phone":
a linear SVM over its sentence vectors, trained on the same examples, gives a third opinion,
blended into the scores the two others left, before the FallbackClassifier and the answer gate
(bot/rasa_ext/confidence_gate.py) judge them.

The encoder was trained on English only; in Danish its opinion is noise (on the real Danish
questions it lost answers), so a message the language detector reads as Danish keeps the
blend of the other two. The weight, the temperature and the thresholds after this step are
chosen on the development split of the real questions (`python -m bench.calibrate`).

The encoder is the costliest step of understanding a message (about 12 ms of CPU), so it is
not asked when the steps before it are settled: when their best answer leads by so much that
this opinion, even if it gave all its weight to the runner-up, could not change what the user
gets (`decisive_lead`, checked against the thresholds after it by
tests/unit/test_sentence_opinion.py). About two English messages in three are settled.

Like the second opinion's, the model is stored as plain arrays and JSON, never as a pickle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from sklearn.svm import LinearSVC

from bot.fallback import FAQ_INTENT, topic_scores
from bot.language_detection import detect
from bot.rasa_ext.second_opinion import BlendedOpinion, load_arrays, softmax
from bot.sentence_encoder import default_encoder


class SentenceClassifier:
    """A linear SVM over the sentence encoder's vectors: every answer a user can get."""

    def __init__(self, classes: list[str], weights: np.ndarray, intercept: np.ndarray) -> None:
        self.classes = classes
        self.weights = weights  # dimensions x classes
        self.intercept = intercept

    @classmethod
    def train(
        cls, texts: list[str], labels: list[str], config: Mapping[str, Any]
    ) -> SentenceClassifier:
        svm = LinearSVC(C=config["C"]).fit(default_encoder().encode(texts), labels)
        classes = [str(label) for label in svm.classes_]
        return cls(classes, np.ascontiguousarray(svm.coef_.T, dtype=np.float32), svm.intercept_)

    def probabilities(self, texts: list[str], temperature: float) -> list[dict[str, float]]:
        vectors = default_encoder().encode(texts)
        return softmax(self.classes, vectors @ self.weights + self.intercept, temperature)

    def save(self, directory: Path) -> None:
        (directory / "classes.json").write_text(json.dumps(self.classes))
        np.savez_compressed(directory / "weights.npz", coef=self.weights, intercept=self.intercept)

    @classmethod
    def load(cls, directory: Path) -> SentenceClassifier:
        classes = json.loads((directory / "classes.json").read_text())
        arrays = load_arrays(directory / "weights.npz")
        return cls(classes, arrays["coef"], arrays["intercept"])


def lead(scores: list[float]) -> float:
    """How far the best score is ahead of the next one (the whole score if it stands alone)."""
    best = [*sorted(scores, reverse=True), 0.0, 0.0]
    return best[0] - best[1]


def settled(parse_data: dict[str, Any], decisive_lead: float) -> bool:
    """True when the intent, and for a FAQ question its topic, lead by `decisive_lead`.

    Both the FallbackClassifier (intents, the FAQ as one) and the answer gate (topics) judge
    a lead, so both must hold for another opinion to be unable to change the outcome.
    """
    ranking = parse_data.get(INTENT_RANKING_KEY) or []
    if lead([float(r.get("confidence") or 0.0) for r in ranking]) < decisive_lead:
        return False
    if (parse_data.get(INTENT) or {}).get("name") != FAQ_INTENT:
        return True
    return lead(list(topic_scores(parse_data).values())) >= decisive_lead


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SentenceOpinion(BlendedOpinion):
    """Runs after the second opinion, before the FallbackClassifier (config.yml)."""

    classifier_type = SentenceClassifier

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # weight: this opinion's share of the blend; C: the SVM's regularisation; temperature:
        # how sharp its probabilities are; skip_languages: where the encoder does not help;
        # decisive_lead: the earlier steps' lead beyond which this opinion is not asked
        # (above 1.0: always asked).
        return {
            "weight": 0.3,
            "C": 1.0,
            "temperature": 0.2,
            "skip_languages": ["da"],
            "decisive_lead": 1.1,
        }

    def earlier_share(self) -> float:
        return 1.0 - self.config["weight"]

    def learns_from(self, text: str | None) -> bool:
        # Only from the texts it would be asked about: the Danish examples, more than half of
        # all, would cost most of its training time and teach it nothing it is asked.
        return super().learns_from(text) and self.knows_language(text)

    def knows_language(self, text: str) -> bool:
        return detect(text) not in set(self.config["skip_languages"])

    def asks(self, message: Message) -> bool:
        return (
            super().asks(message)
            and not settled(message.data, self.config["decisive_lead"])
            and self.knows_language(message.get(TEXT))
        )
