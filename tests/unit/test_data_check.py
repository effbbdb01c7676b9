"""The form-aware validator drops form questions from the unused check, and nothing else."""

from __future__ import annotations

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa_ext.data_check import FormAwareValidator

DOMAIN = Domain.from_dict(
    {
        "slots": {"name": {"type": "text", "mappings": [{"type": "from_text"}]}},
        "forms": {"contact_form": {"required_slots": ["name"]}},
        "responses": {
            "utter_ask_name": [{"text": "Name?"}],
            "utter_forgotten": [{"text": "Never said"}],
        },
    }
)


def validator() -> FormAwareValidator:
    return FormAwareValidator(DOMAIN, TrainingData(), StoryGraph([]), config=None)


def test_form_questions_are_not_reported_as_unused(recwarn):
    validator().verify_utterances_in_stories(ignore_warnings=False)
    messages = [str(w.message) for w in recwarn]
    assert not any("utter_ask_name" in m for m in messages), messages


def test_other_unused_responses_are_still_reported(recwarn):
    validator().verify_utterances_in_stories(ignore_warnings=False)
    messages = [str(w.message) for w in recwarn]
    assert any("'utter_forgotten' is not used" in m for m in messages), messages


def test_both_spellings_of_a_form_question_count():
    assert validator().form_questions() == {"utter_ask_contact_form_name", "utter_ask_name"}
