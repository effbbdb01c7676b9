"""An NLU step that recognises pasted links and stated passwords by rule, not by guess.

Whether a message holds a link or a password is a fact about its characters, and the answer
matters for safety: a phishing link must be checked and a password must get a warning, however
the statistical classifier scored the sentence around it. This component runs after the
classifiers and, when the text contains a pasted link (bot/link_check) or states a password
(bot/safety), sets the intent to check_link or share_secret with full confidence.

A message that is nothing but an e-mail address is an answer to the ticket form's "RUC
username or e-mail" question (inform), also by rule: the classifier has seen a few addresses,
but the next user's address is new to it and may score below the fallback threshold. Everything
else passes through untouched.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.link_check import has_pasted_link
from bot.safety import states_a_password

CHECK_LINK = "check_link"
SHARE_SECRET = "share_secret"
INFORM = "inform"
BARE_EMAIL = re.compile(r"\s*<?[\w.+-]+@[\w-]+(\.[\w-]+)+>?[\s.]*")


def rule_intent(text: str) -> str | None:
    """The intent a message has by rule, or None to keep the classifier's."""
    if not text or text.startswith("/"):  # button payloads name their intent themselves
        return None
    if states_a_password(text):
        return SHARE_SECRET
    if has_pasted_link(text):
        return CHECK_LINK
    if BARE_EMAIL.fullmatch(text):
        return INFORM
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyIntents(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyIntents:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = rule_intent(message.get(TEXT) or "")
            if intent is None:
                continue
            ranked = {"name": intent, "confidence": 1.0}
            message.data[INTENT] = ranked
            others = [
                r for r in message.data.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent
            ]
            message.data[INTENT_RANKING_KEY] = [ranked, *others]
        return messages
