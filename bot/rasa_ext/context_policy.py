"""Reads the latest message in the context of what the assistant just asked (bot/context_reading).

When the reading differs from the classifier's intent ("send den" at the summary is a yes), this
policy predicts action_read_in_context, which relabels the message; Rasa then predicts again, and
the ordinary rules answer the message as what it meant. The reading travels to the action in
the ``context_reading`` slot, an event only applied if this policy wins; the relabelling reverts
the message, and that slot with it.

A policy because only policies see both the parsed message and the conversation; above the
rule policy in priority, so a rule written for the classifier's reading cannot win a tie.
"""

from __future__ import annotations

from typing import Any

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot import feedback
from bot.context_reading import (
    ANSWER_INTENTS,
    READ_MARK,
    Context,
    read_in_context,
    step_is_question,
    topic_of,
)

READ_ACTION = "action_read_in_context"
READING_SLOT = "context_reading"


def last_bot_action(tracker: DialogueStateTracker) -> str | None:
    """The assistant's last action before the user's latest message."""
    for event in reversed(tracker.applied_events()):
        if isinstance(event, ActionExecuted) and event.action_name not in (ACTION_LISTEN_NAME,):
            return event.action_name
    return None


def previous_topic(tracker: DialogueStateTracker) -> str | None:
    """The topic of the user's message before the latest one: an answered question's
    faq/<topic>, or a topic button's entity."""
    users = (e for e in reversed(tracker.applied_events()) if isinstance(e, UserUttered))
    next(users, None)  # the latest message itself
    previous = next(users, None)
    if previous is None:
        return None
    intent = (previous.intent or {}).get("name")
    return topic_of(previous.parse_data) or (intent if intent in ANSWER_INTENTS else None)


def feedback_asked(tracker: DialogueStateTracker) -> str | None:
    """The kind of feedback the reply to the previous message asked for (bot/feedback.py)."""
    reply: list[dict] = []  # the events between the previous message and the latest one
    seen_latest = False
    for event in reversed(tracker.applied_events()):
        if isinstance(event, UserUttered) and seen_latest:
            break
        if seen_latest:
            reply.append(event.as_dict())
        seen_latest = seen_latest or isinstance(event, UserUttered)
    request = feedback.request_before(reply[::-1])
    return request.kind if request else None


def context_of(tracker: DialogueStateTracker) -> Context:
    return Context(
        asked=last_bot_action(tracker),
        active_loop=tracker.active_loop_name,
        requested_slot=tracker.get_slot(REQUESTED_SLOT) if tracker.active_loop_name else None,
        walkthrough_status=tracker.get_slot("walkthrough_status"),
        walkthrough_question=step_is_question(
            tracker.get_slot("walkthrough"), tracker.get_slot("walkthrough_step")
        ),
        last_topic=previous_topic(tracker),
        walkthrough_view=tracker.get_slot("walkthrough_view"),
        feedback_asked=feedback_asked(tracker),
    )


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class ContextPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {POLICY_PRIORITY: RULE_POLICY_PRIORITY + 1}

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
        probabilities = self._default_predictions(domain)
        message = tracker.latest_message
        if tracker.latest_action_name != ACTION_LISTEN_NAME or not message:
            return self._prediction(probabilities)
        if READ_MARK in (message.parse_data or {}):
            return self._prediction(probabilities)  # already read in context
        reading = read_in_context(
            context_of(tracker), message.text, (message.intent or {}).get("name")
        )
        if not reading or READ_ACTION not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(READ_ACTION)] = 1.0
        return self._prediction(
            probabilities,
            optional_events=[SlotSet(READING_SLOT, reading)],
            # In a form, the rule policy's loop prediction is a "no user" prediction, which
            # outranks every other kind; the reading must compete with it on the same terms.
            is_no_user_prediction=bool(tracker.active_loop_name),
        )
