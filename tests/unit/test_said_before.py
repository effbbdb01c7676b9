"""What the user already told us (bot/onboarding/said_before.py)."""

from __future__ import annotations

import pytest

from bot.onboarding.said_before import answer_to, platform_in


@pytest.mark.parametrize(
    ("step", "said", "answer"),
    [
        ("old_phone_works", "got a new iphone, the old one still works fine", True),
        ("old_phone_works", "ny iphone, den gamle virker stadig", True),
        ("old_phone_works", "my old phone is broken", False),
        ("old_phone_works", "den gamle virker ikke mere", False),
        ("old_phone_works", "den gamle er i stykker", False),
        ("old_phone_works", "I got a new phone", None),
        ("other_method", "lost my phone in the train and I have no other way to sign in", False),
        ("other_method", "min authenticator app er væk og jeg har ingen anden metode", False),
        ("other_method", "jeg har ikke nogen anden maade at logge paa", False),
        ("other_method", "I lost my phone", None),
        ("other_method", "I have an ipad too", None),  # a yes is the user's to give
        ("install", "the old one still works", None),  # not a question step
    ],
)
def test_an_answer_given_before_the_question(step, said, answer):
    assert answer_to(step, ["hi", said]) is answer


def test_the_newest_statement_wins():
    assert answer_to("old_phone_works", ["my old phone is broken", "old one works now"]) is True


def test_the_phone_named_most_recently():
    assert platform_in(["I have an iphone", "actually my work phone is a samsung"]) == "android"
    assert platform_in(["hello", "how does it work"]) is None
