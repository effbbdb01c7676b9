"""Feedback on answers, walkthroughs and tickets (bot/feedback.py) and its reading in context."""

from __future__ import annotations

import pytest

from bot import feedback
from bot.context_reading import Context, read_in_context


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("4", 4),
        (" 5 ", 5),
        ("4/5", 4),
        ("3 stars", 3),
        ("fem stjerner", 5),
        ("five", 5),
        ("2 ⭐⭐", 2),
        ("6", None),
        ("0", None),
        ("4 but the app crashed", None),
        ("my code is 123456", None),
    ],
)
def test_a_rating_typed_alone_is_read_and_nothing_else_is(text, rating):
    assert feedback.typed_rating(text) == rating


@pytest.mark.parametrize(
    ("text", "helpful"),
    [
        ("yes", True),
        ("yes that helped, thanks", True),
        ("ja det hjalp", True),
        ("no", False),
        ("nope", False),
        ("that didn't help", False),
        ("det hjalp ikke", False),
        ("not really", False),
        ("hmm", None),
    ],
)
def test_yes_or_no_to_did_this_help(text, helpful):
    assert feedback.typed_helpful(text) is helpful


def test_an_faq_answer_gets_two_buttons_and_says_what_they_are_about():
    answer = {"text": "Install the app.", "buttons": [{"title": "Show me", "payload": "/x"}]}
    asked = feedback.ask_for_feedback("utter_faq/install_app", answer, {}, "en")
    assert asked["text"] == "Install the app."  # the answer's words stay as they are
    assert [b["payload"] for b in asked["buttons"]] == [
        "/x",
        '/feedback{"helpful": "yes"}',
        '/feedback{"helpful": "no"}',
    ]
    assert asked["feedback_for"] == "faq/install_app"
    assert asked["feedback_kind"] == "helpful"
    danish = feedback.ask_for_feedback("utter_faq/install_app", answer, {}, "da")
    assert [b["title"] for b in danish["buttons"]][1:] == ["👍 Det hjalp", "👎 Hjalp ikke"]


def test_a_finished_walkthrough_and_a_created_ticket_ask_for_a_rating_nothing_else_does():
    done = feedback.ask_for_feedback(
        "utter_walkthrough",
        {"text": "Well done!"},
        {"walkthrough_view": "finished.new_phone"},
        "en",
    )
    assert done["feedback_for"] == "walkthrough/new_phone"
    assert done["text"].startswith("Well done!\n\nHow did it go?")
    assert [b["title"] for b in done["buttons"]] == ["1", "2", "3", "4", "5"]
    ticket = feedback.ask_for_feedback(
        "utter_ticket_created", {"text": "Done!"}, {"ticket_outcome": "created"}, "en"
    )
    assert ticket["feedback_for"] == "ticket" and ticket["feedback_kind"] == "rating"
    step = {"text": "Step 2"}
    assert (
        feedback.ask_for_feedback("utter_walkthrough", step, {"walkthrough_view": "s2"}, "en")
        is step
    )
    failed = {"text": "Sorry"}
    assert (
        feedback.ask_for_feedback(
            "utter_ticket_created", failed, {"ticket_outcome": "failed"}, "en"
        )
        is failed
    )
    assert feedback.ask_for_feedback("utter_greet", step, {}, "en") is step


def test_the_request_counts_only_in_the_reply_to_the_previous_message():
    asked = {"event": "bot", "metadata": {"feedback_for": "faq/x", "feedback_kind": "helpful"}}
    plain = {"event": "bot", "metadata": {}}
    user = {"event": "user", "text": "q"}
    assert feedback.request_before([user, asked, plain]) == feedback.Request("faq/x", "helpful")
    assert feedback.request_before([asked, user, plain]) is None
    assert feedback.request_before([]) is None


def test_the_value_comes_from_the_button_or_the_words():
    button = {"text": '/feedback{"rating": "4"}', "entities": [{"entity": "rating", "value": "4"}]}
    assert feedback.value_of(button, feedback.RATING) == "4"
    assert feedback.value_of({"text": "nej"}, feedback.HELPFUL) == "no"
    assert feedback.value_of({"text": "fire"}, feedback.RATING) == "4"
    assert feedback.value_of({"text": "what?"}, feedback.RATING) is None
    assert feedback.kind_of({"text": "5"}) == feedback.RATING
    assert feedback.kind_of({"text": "that didn't help"}) == feedback.HELPFUL


ANSWERED = Context(asked="utter_faq", last_topic="faq/code_rejected", feedback_asked="helpful")
ANSWERED_WITH_WALKTHROUGH = Context(
    asked="utter_faq", last_topic="faq/new_phone", feedback_asked="helpful"
)
RATE = Context(asked="utter_walkthrough", feedback_asked="rating")


@pytest.mark.parametrize(
    ("context", "text", "intent", "reading"),
    [
        (ANSWERED, "yes", "affirm", "feedback"),
        (ANSWERED, "no", "deny", "feedback"),
        (ANSWERED, "nej det hjalp ikke", "nlu_fallback", "feedback"),
        (ANSWERED, "yes thank you so much", "thank", "feedback"),
        # Read as a finished set-up step by the classifier, but no set-up is running.
        (ANSWERED, "yes, that did it", "walkthrough_done", "feedback"),
        # A new question after an answer is a question, whatever the buttons asked.
        (ANSWERED, "how do I add a backup phone?", "faq", None),
        (ANSWERED, "yes but where do I find the code?", "faq", None),
        (ANSWERED_WITH_WALKTHROUGH, "Yes please, walk me through it", "request_walkthrough", None),
        (ANSWERED, "ok yes make the ticket, urgent pls", "affirm", "request_ticket"),
        (ANSWERED, "it worked, thanks", "thank", None),
        # "Yes" to an answer that offers a walkthrough starts the walkthrough.
        (ANSWERED_WITH_WALKTHROUGH, "yes", "affirm", "request_walkthrough"),
        (RATE, "4", "nlu_fallback", "feedback"),
        (RATE, "fem", "nlu_fallback", "feedback"),
        (RATE, "thanks, that's all", "thank", None),
        # A number where no rating was asked is not one.
        (Context(asked="utter_faq"), "4", "nlu_fallback", None),
    ],
)
def test_feedback_typed_instead_of_pressed(context, text, intent, reading):
    assert read_in_context(context, text, intent) == reading
