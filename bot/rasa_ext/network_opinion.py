"""The first opinion: a small neural network over the second opinion's text features.

The pipeline (config.yml) classifies each message three times and blends the answers, because
classifiers of different kinds are wrong on different questions, and where they disagree the
thresholds after them turn a guess into a clarification. This network comes first: one hidden
layer over the TF-IDF features of word stems and characters (bot/rasa_ext/second_opinion.py),
flat over every answer a user can get (each intent, and each FAQ topic as `faq/<topic>`).

It took the place of DIET and the ResponseSelector, which had the same role (a neural
opinion over word and character counts, 30% of the blend) and cost 400 of the 550 seconds of
training and a quarter of a busy server's time. Measured side by side on the real questions'
test split (config.yml, docs/benchmarks.md), the blend with the network answers about one
point more right and one more wrong; it trains in about 30 s, in scikit-learn, which Rasa
already installs.

Only the most telling columns of the features enter the network (chi-squared against the
labels): the full character vocabulary would make its first layer fifteen million weights.
Its temperature stays at 1: on held-out paraphrases and the real questions' development split,
its probabilities are then the best calibrated (lowest log loss).

Like the other opinions, the model is stored as plain arrays and JSON, never as a pickle.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.neural_network import MLPClassifier

from bot.rasa_ext.second_opinion import BlendedOpinion, TextFeatures, load_arrays, softmax


class NetworkClassifier:
    """The text features' most telling columns, a hidden layer (ReLU), a softmax."""

    def __init__(
        self,
        features: TextFeatures,
        classes: list[str],
        columns: np.ndarray,
        layers: list[tuple[np.ndarray, np.ndarray]],
    ) -> None:
        self.features = features
        self.classes = classes
        self.columns = columns  # the feature columns the network reads
        self.layers = layers  # (weights, bias) of the hidden layer, then of the output

    @classmethod
    def train(
        cls, texts: list[str], labels: list[str], config: Mapping[str, Any]
    ) -> NetworkClassifier:
        features, x = TextFeatures.fit(texts)
        selection = SelectKBest(chi2, k=min(config["columns"], x.shape[1])).fit(x, labels)
        columns = np.flatnonzero(selection.get_support())
        network = MLPClassifier(
            hidden_layer_sizes=(config["hidden_size"],),
            max_iter=config["epochs"],
            batch_size=config["batch_size"],
            random_state=config["random_seed"],
        )
        with warnings.catch_warnings():  # a fixed number of epochs, chosen on purpose
            warnings.simplefilter("ignore", ConvergenceWarning)
            network.fit(x[:, columns], labels)
        layers = [
            (weights.astype(np.float32), bias.astype(np.float32))
            for weights, bias in zip(network.coefs_, network.intercepts_, strict=True)
        ]
        return cls(features, [str(label) for label in network.classes_], columns, layers)

    def probabilities(self, texts: Iterable[str], temperature: float) -> list[dict[str, float]]:
        (hidden_weights, hidden_bias), (output_weights, output_bias) = self.layers
        hidden = np.maximum(self.features(texts)[:, self.columns] @ hidden_weights + hidden_bias, 0)
        return softmax(self.classes, hidden @ output_weights + output_bias, temperature)

    def save(self, directory: Path) -> None:
        (hidden_weights, hidden_bias), (output_weights, output_bias) = self.layers
        np.savez_compressed(
            directory / "weights.npz",
            **self.features.save(directory, self.classes),
            columns=self.columns,
            hidden_weights=hidden_weights,
            hidden_bias=hidden_bias,
            output_weights=output_weights,
            output_bias=output_bias,
        )

    @classmethod
    def load(cls, directory: Path) -> NetworkClassifier:
        arrays = load_arrays(directory / "weights.npz")
        features, classes = TextFeatures.load(directory, arrays)
        layers = [
            (arrays["hidden_weights"], arrays["hidden_bias"]),
            (arrays["output_weights"], arrays["output_bias"]),
        ]
        return cls(features, classes, arrays["columns"], layers)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NetworkOpinion(BlendedOpinion):
    """The first step that classifies (config.yml): nothing earlier to blend with."""

    classifier_type = NetworkClassifier

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # columns: how many feature columns the network reads; hidden_size: its one hidden
        # layer; epochs, batch_size, random_seed: its training; temperature: how sharp its
        # probabilities are.
        return {
            "columns": 8000,
            "hidden_size": 256,
            "epochs": 30,
            "batch_size": 256,
            "random_seed": 42,
            "temperature": 1.0,
        }

    def earlier_share(self) -> float:
        return 0.0
