"""An NLU step that turns a doubtful answer into a clarification instead of a guess.

Rasa's FallbackClassifier looks at the intent alone. For a FAQ question the intent is nearly
always `faq` with high confidence; the doubt sits in the choice between answers, which
nothing checked: a real person's "I keep getting Authenticator requests but I'm
not logging in" scored faq at 0.98 and then got the notifications answer by a small margin.
This step looks at the answer the user would get, as the fallback's suggestions rank it
(bot/fallback.topic_scores: P(faq) x P(answer | faq)), and hands the message to the two-stage
fallback (the likeliest topics as buttons) when the best answer is not likely enough or not
clearly ahead of the next one. A wrong answer costs the user more than a question back.

The thresholds are calibrated on the development split of the real questions
(tests/nlu/real/, `python -m bench.calibrate`) and set in config.yml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.fallback import FAQ_INTENT, topic_scores

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Thresholds:
    """Minimum confidence of the answer, and its minimum lead over the runner-up."""

    answer: float = 0.0
    margin: float = 0.0


def classifier_intent(parse_data: Mapping[str, Any]) -> tuple[str | None, float]:
    """The intent the classifier ranked first, before any fallback replaced it."""
    for ranked in parse_data.get(INTENT_RANKING_KEY) or []:
        if ranked.get("name") != FALLBACK_INTENT:
            return ranked.get("name"), float(ranked.get("confidence") or 0.0)
    return None, 0.0


def is_doubtful(parse_data: Mapping[str, Any], thresholds: Thresholds) -> bool:
    """True when a FAQ answer is too unlikely, or too close to another answer, to give."""
    intent, _ = classifier_intent(parse_data)
    if intent != FAQ_INTENT:
        return False
    scores = [*sorted(topic_scores(parse_data).values(), reverse=True), 0.0, 0.0]
    return scores[0] < thresholds.answer or scores[0] - scores[1] < thresholds.margin


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class AnswerConfidenceGate(GraphComponent):
    """Runs after the opinions and the FallbackClassifier (config.yml)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"answer_threshold": 0.0, "margin_threshold": 0.0}

    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> AnswerConfidenceGate:
        return cls(Thresholds(config["answer_threshold"], config["margin_threshold"]))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.data.get(INTENT) or {}
            if intent.get("name") == FAQ_INTENT and is_doubtful(message.data, self.thresholds):
                # The ranking stays, so the fallback can offer the likeliest answers.
                message.data[INTENT] = {
                    "name": FALLBACK_INTENT,
                    "confidence": intent.get("confidence"),
                }
                ranking = message.data.get(INTENT_RANKING_KEY) or []
                message.data[INTENT_RANKING_KEY] = [message.data[INTENT], *ranking]
        return messages
