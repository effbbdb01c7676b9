"""Rasa's response generator, speaking the conversation's language.

Every response Rasa utters (from rules, forms, the FAQ selector or the action server) passes
through the natural language generator, so this is the one place that picks a language: the
``language`` slot names it, locales/<code>/ holds that language's variants of the English
responses (data/responses/), and the same variant rules (conditions, channels) choose among
them. A response a language lacks is said in English rather than not at all (a test keeps
them complete).

Feedback buttons ("Did this help?" on an answer, a 1-5 rating after a walkthrough or a
ticket) are added here too, for the same reason: every channel shows them (bot/feedback.py).

Two things depend on the language of the reply and so are made here, not in an action: the
walkthrough's "Step 2 of 6" line (a line stored in a slot kept the language it was made in),
and, during a walkthrough, where the language buttons go: the step shown again after a switch
carries them after its own buttons, so Done stays the first button of every step.

Rasa loads it from endpoints.yml (``nlg: {type: bot.rasa_ext.nlg.LocalizedNLG}``).
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.feedback import ask_for_feedback
from bot.locales import languages, load_locale, supported, text
from bot.onboarding import walkthroughs

LANGUAGE_SLOT = "language"
PROGRESS_SLOT = "walkthrough_progress"
LANGUAGE_CHANGED = "utter_language_changed"
WALKTHROUGH_STEP = "utter_walkthrough"
CHANGE_LANGUAGE = "change_language"  # the intent
# Answers that, given twice in a row, say so and offer a person (bot/rasa_ext/nlg.py _said_again).
ANSWER_PREFIX = "utter_faq/"
CONTACT_ANSWER = "utter_servicedesk_contact"
TICKET_PAYLOAD = "/request_ticket"


class LocalizedNLG(TemplatedNaturalLanguageGenerator):
    """Rasa makes it before the model is loaded, then hands it the domain's responses by
    assigning ``responses`` (it does so for templated generators only, hence the base class);
    every language's generator is rebuilt from them then."""

    def __init__(self, endpoint_config: Any = None, domain: Domain | None = None) -> None:
        self.locales = {code: load_locale(code) for code in languages()}
        super().__init__((domain or Domain.empty()).responses)

    @property
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        return self._responses

    @responses.setter
    def responses(self, responses: dict[str, list[dict[str, Any]]]) -> None:
        self._responses = responses
        self.generators = {
            code: TemplatedNaturalLanguageGenerator({**responses, **locale.responses})
            for code, locale in self.locales.items()
        }

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        filled = tracker.current_slot_values()
        language = supported(filled.get(LANGUAGE_SLOT))
        response = self.generate_in(language, utter_action, filled, output_channel, **kwargs)
        if response is not None and _switched_during_walkthrough(tracker):
            response = self._language_buttons_last(
                utter_action, response, language, filled, output_channel
            )
        repeated = response is not None and response.get("text") in _said_last_turn(tracker)
        if repeated and (utter_action.startswith(ANSWER_PREFIX) or utter_action == CONTACT_ANSWER):
            response = self._said_again(response, language, filled)
        if response is not None:
            response = ask_for_feedback(utter_action, response, filled, language)
        return response

    def _said_again(
        self, response: dict[str, Any], language: str, filled_slots: dict[str, Any]
    ) -> dict[str, Any]:
        """The same answer a second time in a row did not help the first time: say that it is
        the same, and offer a person, instead of looping."""
        slots = {**filled_slots, **self.locales[language].slot_values}
        again = text(
            "answer.again",
            language,
            servicedesk_phone=slots.get("servicedesk_phone"),
            servicedesk_hours=slots.get("servicedesk_hours"),
        )
        button = {"title": text("answer.ticket_button", language), "payload": TICKET_PAYLOAD}
        buttons = list(response.get("buttons") or [])
        if not any(b.get("payload") == TICKET_PAYLOAD for b in buttons):
            buttons.append(button)
        return {**response, "text": f"{again}\n\n{response.get('text') or ''}", "buttons": buttons}

    def generate_in(
        self,
        language: str,
        utter_action: str,
        filled_slots: dict[str, Any],
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """The response in `language`, with that language's wording of content slots."""
        filled = {
            **filled_slots,
            **self.locales[language].slot_values,
            PROGRESS_SLOT: walkthroughs.progress(_walkthrough_state(filled_slots), language),
        }
        return self.generators[language].generate_from_slots(
            utter_action, filled, output_channel, **kwargs
        )

    def _language_buttons_last(
        self,
        utter_action: str,
        response: dict[str, Any],
        language: str,
        filled_slots: dict[str, Any],
        output_channel: str,
    ) -> dict[str, Any]:
        """The switch's confirmation without its language buttons; the step after it with
        them, behind Done / I'm stuck / Back / Stop."""
        if utter_action == LANGUAGE_CHANGED:
            return {key: value for key, value in response.items() if key != "buttons"}
        if utter_action != WALKTHROUGH_STEP:
            return response
        changed = self.generate_in(language, LANGUAGE_CHANGED, filled_slots, output_channel)
        extra = (changed or {}).get("buttons") or []
        return {**response, "buttons": [*(response.get("buttons") or []), *extra]}


def _said_last_turn(tracker: DialogueStateTracker) -> set[str]:
    """What the assistant said between the user's previous message and the latest one."""
    said: set[str] = set()
    users = 0
    for event in reversed(tracker.applied_events()):  # a relabelled message counts once
        if isinstance(event, UserUttered):
            users += 1
            if users == 2:
                break
        elif isinstance(event, BotUttered) and users == 1 and event.text:
            said.add(event.text)
    return said


def _walkthrough_state(slots: dict[str, Any]) -> walkthroughs.State:
    return walkthroughs.State(
        walkthrough=slots.get("walkthrough"),
        step=slots.get("walkthrough_step"),
        status=slots.get("walkthrough_status"),
    )


def _switched_during_walkthrough(tracker: DialogueStateTracker) -> bool:
    """The user changed the language while a step was showing (data/rules: the step follows)."""
    intent = (tracker.latest_message.intent if tracker.latest_message else None) or {}
    return (
        intent.get("name") == CHANGE_LANGUAGE
        and tracker.get_slot("walkthrough_status") == walkthroughs.ACTIVE
        and not tracker.active_loop_name
    )
