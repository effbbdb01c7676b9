"""Keeps the conversation's ``language`` slot in the language the user writes.

A policy, not an NLU component, because the decision needs the conversation: it must know the
current language (to switch only on a change) and whether the form is asking for a name (a
name says nothing about the language; "Maria Jensen" looks Danish). It never predicts an
action; its SlotSet travels as a mandatory event, which Rasa applies whichever policy wins,
before the next response is generated (bot/rasa_ext/nlg.py then speaks the new language).

Explicit choices arrive another way: a button or a payload such as
``/change_language{"language": "da"}`` fills the slot through its entity mapping, and
"på dansk" / "in English" are the change_language intent, whose named language wins over what
the words themselves look like ("can you answer in Danish?" is English asking for Danish, and
"I don't speak Danish" is English asking for English).
"""

from __future__ import annotations

from typing import Any

from rasa.core.constants import DEFAULT_POLICY_PRIORITY, POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language_detection import detect, named_language, warm_up
from bot.locales import supported
from bot.rasa_ext.nlg import CHANGE_LANGUAGE, LANGUAGE_SLOT

# Form questions whose answers are names, usernames or numbers: no evidence of a language.
LANGUAGE_FREE_SLOTS = frozenset({"ticket_name", "ticket_username", "ticket_phone"})


def language_after(
    text: str | None, intent: str | None, current: str, requested_slot: str | None
) -> str | None:
    """The language the conversation should switch to after this message, or None to keep it."""
    if not text or text.startswith("/") or requested_slot in LANGUAGE_FREE_SLOTS:
        return None
    chosen = named_language(text) if intent == CHANGE_LANGUAGE else None
    wanted = chosen or detect(text)
    return wanted if wanted and wanted != current else None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class LanguagePolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Below every other policy: its all-zero prediction must never win a tie.
        return {POLICY_PRIORITY: DEFAULT_POLICY_PRIORITY - 1}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        warm_up()

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        events = []
        # Once per user message: the first prediction after it follows action_listen.
        if tracker.latest_action_name == ACTION_LISTEN_NAME and tracker.latest_message:
            message = tracker.latest_message
            switch = language_after(
                message.text,
                (message.intent or {}).get("name"),
                supported(tracker.get_slot(LANGUAGE_SLOT)),
                tracker.get_slot(REQUESTED_SLOT) if tracker.active_loop_name else None,
            )
            if switch:
                events.append(SlotSet(LANGUAGE_SLOT, switch))
        return self._prediction(self._default_predictions(domain), events=events)
