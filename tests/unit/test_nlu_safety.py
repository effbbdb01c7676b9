"""Links, stated passwords and bare e-mail addresses override the classifier; the rest passes."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu_safety import SafetyIntents, rule_intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("is this legit https://bit.ly/x", "check_link"),
        ("my password is Kanelsnegl99, fix it", "share_secret"),
        ("pw: Tulip-Fjord-42", "share_secret"),
        ("I forgot my password", None),
        ("my email is jdoe@ruc.dk", None),  # the classifier knows this shape
        ("osoren@ruc.dk", "inform"),  # a bare address answers the form's question
        (" Peter.Holm+mfa@ruc.dk. ", "inform"),
        ("<ab@stud.ruc.dk>", "inform"),
        ("is osoren@ruc.dk right?", None),
        ('/choose_topic{"topic": "lost_phone"}', None),
        ("", None),
    ],
)
def test_rule_intent(text, intent):
    assert rule_intent(text) == intent


def test_the_component_puts_the_rule_intent_first():
    message = Message(
        data={
            "text": "https://login.microsoftonline.com.evil.io/ ok?",
            "intent": {"name": "faq", "confidence": 0.7},
            "intent_ranking": [
                {"name": "faq", "confidence": 0.7},
                {"name": "greet", "confidence": 0.1},
            ],
        }
    )
    [processed] = SafetyIntents().process([message])
    assert processed.get("intent") == {"name": "check_link", "confidence": 1.0}
    assert [r["name"] for r in processed.get("intent_ranking")] == ["check_link", "faq", "greet"]


def test_other_messages_are_untouched():
    message = Message(data={"text": "hello", "intent": {"name": "greet", "confidence": 0.9}})
    [processed] = SafetyIntents().process([message])
    assert processed.get("intent") == {"name": "greet", "confidence": 0.9}
