"""`rasa data validate`, minus one false alarm: form questions counted as unused.

Rasa 3.6's validator warns that every `utter_ask_<slot>` of a form "is not used in any story
or rule", although the form itself speaks them. With `--fail-on-warnings` that would make
every form fail validation, so `python -m bot.rasa_ext.data_check` runs Rasa's own validation with a
validator that leaves exactly those responses out of the unused check; every other warning
still fails.
"""

from __future__ import annotations

import sys
from unittest import mock

import rasa.validator


class FormAwareValidator(rasa.validator.Validator):
    def form_questions(self) -> set[str]:
        """The responses a form asks its slots with: utter_ask_<form>_<slot> or utter_ask_<slot>."""
        questions: set[str] = set()
        for form, spec in self.domain.forms.items():
            for slot in (spec or {}).get("required_slots", []):
                questions |= {f"utter_ask_{form}_{slot}", f"utter_ask_{slot}"}
        return questions

    def _gather_utterance_actions(self) -> set[str]:
        return super()._gather_utterance_actions() - self.form_questions()


def main(extra_args: list[str] | None = None) -> int:
    """Run `rasa data validate --fail-on-warnings` with the form-aware validator."""
    from rasa.__main__ import main as rasa_main

    argv = ["rasa", "data", "validate", "--fail-on-warnings", *(extra_args or [])]
    with (
        mock.patch.object(rasa.validator, "Validator", FormAwareValidator),
        mock.patch.object(sys, "argv", argv),
    ):
        try:
            rasa_main()
        except SystemExit as exit_:
            return int(exit_.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
