"""An NLU step that drops token-level features the classifiers would compute and throw away.

Featurizers give the user's text two kinds of features: one row per token (sequence) and one
for the whole sentence. Without a transformer and without entity recognition, as in this
project's config.yml, DIET and the ResponseSelector classify from the sentence row alone: the
token rows of the large word and character vocabularies are turned into dense vectors on every
training step and every message, and then thrown away. Dropping them gives the same kind of
model for much less work, in training and in answering.

Rasa's classifiers insist on some token rows, so only the featurizers named in the config
(by their `alias`) lose theirs; the small lexical ones keep them. Features of other attributes
(the responses the ResponseSelector learns, the intent labels) are left as they are.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class DropTokenFeatures(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"featurizers": []}

    def __init__(self, featurizers: frozenset[str]) -> None:
        self._featurizers = featurizers

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DropTokenFeatures:
        featurizers = config.get("featurizers")
        if (
            not isinstance(featurizers, list)
            or not featurizers
            or not all(isinstance(name, str) for name in featurizers)
        ):
            raise InvalidConfigException(
                f"{cls.__name__} needs `featurizers`: the aliases of the featurizers whose "
                "token-level text features to drop."
            )
        return cls(frozenset(featurizers))

    def _goes(self, features: Features) -> bool:
        return (
            features.type == FEATURE_TYPE_SEQUENCE
            and features.attribute == TEXT
            and features.origin in self._featurizers
        )

    def _drop(self, message: Message) -> set[str]:
        """Drops the rows from one message; returns the featurizers they came from."""
        dropped = [f for f in message.features if self._goes(f)]
        if dropped:
            message.features = [f for f in message.features if not self._goes(f)]
            message.add_features(None)  # forgets the message's cached fingerprint
        return {f.origin for f in dropped}

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        seen: set[str] = set()
        for message in training_data.training_examples:
            seen |= self._drop(message)
        if missing := sorted(self._featurizers - seen):
            # A misspelt alias would otherwise only show as a slower training.
            raise InvalidConfigException(
                f"{type(self).__name__}: no featurizer with the alias {', '.join(missing)} "
                "gave token features: check the `alias` of the featurizers before it in config.yml."
            )
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._drop(message)
        return messages
