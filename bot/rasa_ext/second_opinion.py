"""An NLU step that asks a second classifier and blends its answer with the first one's.

The first opinion, a neural network (bot/rasa_ext/network_opinion.py), scores well on our own
paraphrases and worse on what real people type, whose words are often not in the training
data at all. A plain linear model (an SVM) over the same TF-IDF features (word stems and
character n-grams; scikit-learn, which Rasa already installs) generalises differently: on the
real questions' development split it alone answered more of them right than the neural
models, and the two are wrong on different questions. So this step classifies every message
once more, flat over every answer a user can get (each intent, and each FAQ topic as
`faq/<topic>`), and replaces the intent ranking and the FAQ ranking with a weighted average of
both opinions. What follows (the FallbackClassifier, bot/rasa_ext/confidence_gate.py) then
doubts a message the two do not agree on, so a disagreement becomes a clarification instead
of a guess.

This module also holds what every opinion shares: the blend, writing the intent and the
answer where Rasa's `utter_faq` reads them (no ResponseSelector runs), and the text features.

The blend weight and the thresholds after it are chosen on the development split of the real
questions (`python -m bench.calibrate`, tests/nlu/real/) and set in config.yml.

The model is stored as plain arrays and JSON (vocabularies, IDF weights, coefficients), not
as a pickle: loading a model never runs code from the model file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.fallback import FAQ_INTENT, topic_scores
from bot.stemming import stemmed

RESPONSE_SELECTOR = "response_selector"
OUTPUT_KEYS = frozenset({INTENT, INTENT_RANKING_KEY, RESPONSE_SELECTOR})
# The two vocabularies: word stems and their pairs; characters within words, typos included.
WORDS: dict[str, Any] = {"ngram_range": (1, 2), "sublinear_tf": True}
CHARACTERS: dict[str, Any] = {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True}
VOCABULARIES = {"words": WORDS, "characters": CHARACTERS}


class TextFeatures:
    """TF-IDF of word stems (1-2 grams) and of characters within words (2-5 grams), side by
    side: stems so that word forms meet, characters as typed so that typos still match."""

    def __init__(self, words: TfidfVectorizer, characters: TfidfVectorizer) -> None:
        self.words = words
        self.characters = characters

    @classmethod
    def fit(cls, texts: list[str]) -> tuple[TextFeatures, scipy.sparse.csr_matrix]:
        """The vocabularies learnt from `texts`, and the texts' features."""
        words, characters = TfidfVectorizer(**WORDS), TfidfVectorizer(**CHARACTERS)
        parts = [words.fit_transform(map(stemmed, texts)), characters.fit_transform(texts)]
        return cls(words, characters), scipy.sparse.hstack(parts).tocsr()

    def __call__(self, texts: Iterable[str]) -> scipy.sparse.csr_matrix:
        texts = list(texts)
        parts = [self.words.transform(map(stemmed, texts)), self.characters.transform(texts)]
        return scipy.sparse.hstack(parts).tocsr()

    def save(self, directory: Path, classes: list[str]) -> dict[str, np.ndarray]:
        """Writes the vocabularies (and the classifier's classes) as JSON; returns the IDF
        weights for the classifier's arrays file."""
        vocabularies = {
            name: {term: int(index) for term, index in v.vocabulary_.items()}
            for name, v in (("words", self.words), ("characters", self.characters))
        }
        (directory / "vocabularies.json").write_text(
            json.dumps({"classes": classes, **vocabularies})
        )
        return {"words_idf": self.words.idf_, "characters_idf": self.characters.idf_}

    @classmethod
    def load(
        cls, directory: Path, arrays: Mapping[str, np.ndarray]
    ) -> tuple[TextFeatures, list[str]]:
        """The features and the classes `save` wrote, with the IDF weights from `arrays`."""
        stored = json.loads((directory / "vocabularies.json").read_text())
        vectorizers = {}
        for name, options in VOCABULARIES.items():
            vectorizers[name] = TfidfVectorizer(vocabulary=stored[name], **options)
            vectorizers[name].idf_ = arrays[f"{name}_idf"]
        return cls(**vectorizers), stored["classes"]


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """A model's arrays file, never unpickling anything."""
    with np.load(path, allow_pickle=False) as arrays:
        return {name: arrays[name] for name in arrays.files}


def softmax(classes: list[str], scores: np.ndarray, temperature: float) -> list[dict[str, float]]:
    """A classifier's scores (texts x classes) as each text's probability of each class."""
    scores = np.asarray(scores, dtype=np.float64) / temperature
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    scores /= scores.sum(axis=1, keepdims=True)
    return [dict(zip(classes, map(float, row), strict=True)) for row in scores]


class LinearClassifier:
    """The text features, then a linear SVM.

    A linear SVM trains in seconds where logistic regression took minutes on the same
    features, and answered more of the development questions right; its scores become
    probabilities by a softmax at a temperature (config.yml), as the blend needs them.
    """

    def __init__(
        self, features: TextFeatures, classes: list[str], weights: np.ndarray, intercept: np.ndarray
    ) -> None:
        self.features = features
        self.classes = classes
        self.weights = weights  # features x classes
        self.intercept = intercept

    @classmethod
    def train(
        cls, texts: list[str], labels: list[str], config: Mapping[str, Any]
    ) -> LinearClassifier:
        features, x = TextFeatures.fit(texts)
        svm = LinearSVC(C=config["C"]).fit(x, labels)
        classes = [str(label) for label in svm.classes_]
        return cls(features, classes, np.ascontiguousarray(svm.coef_.T), svm.intercept_)

    def probabilities(self, texts: Iterable[str], temperature: float) -> list[dict[str, float]]:
        """For each text, every label's probability."""
        scores = self.features(texts) @ self.weights + self.intercept
        return softmax(self.classes, scores, temperature)

    def save(self, directory: Path) -> None:
        np.savez_compressed(
            directory / "weights.npz",
            **self.features.save(directory, self.classes),
            coef=self.weights.T.astype(np.float32),
            intercept=self.intercept,
        )

    @classmethod
    def load(cls, directory: Path) -> LinearClassifier:
        arrays = load_arrays(directory / "weights.npz")
        features, classes = TextFeatures.load(directory, arrays)
        # stored as float32 (half the size); computed in float64, converted once here
        # rather than on every message
        weights = np.ascontiguousarray(arrays["coef"].T, dtype=np.float64)
        return cls(features, classes, weights, arrays["intercept"])


def blended_scores(
    parse_data: Mapping[str, Any], second: Mapping[str, float], weight: float
) -> dict[str, float]:
    """Each answer's score: `weight` x the neural models' + (1 - weight) x the linear one's.

    The neural score of a FAQ topic is P(faq) x P(topic | faq) (bot/fallback.topic_scores), of
    any other intent its confidence; the linear model scores both kinds directly.
    """
    first = dict(topic_scores(parse_data))
    for ranked in parse_data.get(INTENT_RANKING_KEY) or []:
        name = ranked.get("name")
        if name and name != FAQ_INTENT and name not in first:
            first[name] = float(ranked.get("confidence") or 0.0)
    if not first:  # the first opinion asked: nothing earlier to blend with
        return dict(second)
    return {
        key: weight * first.get(key, 0.0) + (1.0 - weight) * second.get(key, 0.0)
        for key in set(first) | set(second)
    }


def blend(parse_data: dict[str, Any], scores: Mapping[str, float]) -> None:
    """Rewrite the intent, its ranking and the FAQ ranking of `parse_data` from `scores`.

    The FAQ intent's confidence is the sum of its topics' scores, and each topic's confidence
    within the FAQ is its share of that sum, so topic_scores() reads the blended scores back.
    """
    faq = {k: s for k, s in scores.items() if k.startswith(FAQ_INTENT + "/")}
    intents = {k: s for k, s in scores.items() if k not in faq}
    intents[FAQ_INTENT] = sum(faq.values())
    ranking = sorted(intents.items(), key=lambda item: -item[1])
    parse_data[INTENT_RANKING_KEY] = [{"name": k, "confidence": s} for k, s in ranking]
    parse_data[INTENT] = dict(parse_data[INTENT_RANKING_KEY][0])
    if not faq:
        return
    selectors = parse_data.setdefault(RESPONSE_SELECTOR, {"all_retrieval_intents": [FAQ_INTENT]})
    selector = selectors.setdefault(FAQ_INTENT, {})
    total = intents[FAQ_INTENT] or 1.0
    topics = sorted(faq.items(), key=lambda item: -item[1])
    selector["ranking"] = [
        {"intent_response_key": k, "confidence": s / total} for k, s in topics
    ]  # fmt: skip
    best, score = topics[0]
    selector["response"] = {
        **(selector.get("response") or {}),
        "intent_response_key": best,
        "utter_action": f"utter_{best}",
        "confidence": score / total,
    }


class Classifier(Protocol):
    """What an opinion's classifier does: LinearClassifier here, SentenceClassifier in
    bot/rasa_ext/sentence_opinion.py."""

    @classmethod
    def train(
        cls, texts: list[str], labels: list[str], config: Mapping[str, Any]
    ) -> Classifier: ...

    @classmethod
    def load(cls, directory: Path) -> Classifier: ...

    def save(self, directory: Path) -> None: ...

    def probabilities(self, texts: list[str], temperature: float) -> list[dict[str, float]]: ...


class BlendedOpinion(GraphComponent):
    """An NLU step that classifies every message once more, flat over every answer, and blends
    that opinion into the scores the steps before it left. Subclasses name their classifier
    and how much the earlier scores weigh."""

    classifier_type: ClassVar[type[Classifier]]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifier: Classifier | None = None,
    ) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource
        self.classifier = classifier

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BlendedOpinion:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if self.learns_from(m.get(TEXT))]
        self.classifier = self.classifier_type.train(
            [m.get(TEXT) for m in examples],
            [m.get_full_intent() for m in examples],
            self.config,
        )
        with self.model_storage.write_to(self.resource) as directory:
            self.classifier.save(directory)
        return self.resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> BlendedOpinion:
        with model_storage.read_from(resource) as directory:
            classifier = cls.classifier_type.load(directory)
        return cls(config, model_storage, resource, classifier)

    def earlier_share(self) -> float:
        """The earlier steps' share of the blend; this opinion gets the rest."""
        raise NotImplementedError

    def learns_from(self, text: str | None) -> bool:
        """Whether this opinion learns from a training example: every one with a text."""
        return bool(text)

    def asks(self, message: Message) -> bool:
        """Whether this opinion is asked about a message: every one with a text."""
        return bool(message.get(TEXT))

    def process(self, messages: list[Message]) -> list[Message]:
        asked = [m for m in messages if self.asks(m)]
        if not self.classifier or not asked:
            return messages
        opinions = self.classifier.probabilities(
            [m.get(TEXT) for m in asked], self.config["temperature"]
        )
        earlier = self.earlier_share()
        for message, opinion in zip(asked, opinions, strict=True):
            blend(message.data, blended_scores(message.data, opinion, earlier))
            for key in OUTPUT_KEYS & message.data.keys():  # Rasa's parse result keeps only these
                message.set(key, message.data[key], add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SecondOpinion(BlendedOpinion):
    """Runs after the first opinion, before the FallbackClassifier (config.yml)."""

    classifier_type = LinearClassifier

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # weight: the neural models' share of the blend; C: the SVM's regularisation;
        # temperature: how sharp its probabilities are.
        return {"weight": 0.3, "C": 1.0, "temperature": 0.2}

    def earlier_share(self) -> float:
        return self.config["weight"]
