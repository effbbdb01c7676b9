"""Rasa's response generator, speaking the conversation's language.

Every response Rasa utters (from rules, forms, the FAQ selector or the action server) passes
through the natural language generator, so this is the one place that picks a language: the
``language`` slot names it, locales/<code>/ holds that language's variants of domain.yml's
responses, and the same variant rules (conditions, channels) choose among them. A response a
language lacks is said in English rather than not at all (a test keeps them complete).

Rasa loads it from endpoints.yml (``nlg: {type: bot.nlg.LocalizedNLG}``).
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.locales import languages, load_locale, supported

LANGUAGE_SLOT = "language"


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
        return self.generate_in(
            supported(filled.get(LANGUAGE_SLOT)), utter_action, filled, output_channel, **kwargs
        )

    def generate_in(
        self,
        language: str,
        utter_action: str,
        filled_slots: dict[str, Any],
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """The response in `language`, with that language's wording of content slots."""
        filled = {**filled_slots, **self.locales[language].slot_values}
        return self.generators[language].generate_from_slots(
            utter_action, filled, output_channel, **kwargs
        )
