"""What a message means given what the assistant just asked (bot/context_reading.py)."""

from __future__ import annotations

import pytest

from bot.context_reading import Context, read_in_context, relabelled, step_is_question

SUMMARY = Context(asked="utter_ticket_summary")
OFFER = Context(asked="utter_handoff_offer")
STEP = Context(asked="utter_walkthrough", walkthrough_status="active")
QUESTION = Context(
    asked="utter_walkthrough", walkthrough_status="active", walkthrough_question=True
)
PHONE = Context(
    asked="utter_ask_ticket_phone", active_loop="ticket_form", requested_slot="ticket_phone"
)
USERNAME = Context(active_loop="ticket_form", requested_slot="ticket_username")
CONTACT = Context(active_loop="ticket_form", requested_slot="ticket_contact")
NOTHING = Context(asked="utter_greet")
NEW_PHONE_ANSWER = Context(asked="utter_faq", last_topic="faq/new_phone")
WHY_ANSWER = Context(asked="utter_faq", last_topic="faq/why_mfa")
SUMMARY_QUESTION = Context(active_loop="ticket_form", requested_slot="ticket_summary")
HELPED_TWICE = Context(
    asked="utter_walkthrough", walkthrough_status="active", walkthrough_view="help.again"
)
AFTER_AN_ANSWER = Context(asked="utter_faq", last_topic="faq/code_rejected")
AFTER_CONTACT = Context(asked="utter_servicedesk_contact", last_topic="contact_servicedesk")


@pytest.mark.parametrize(
    ("context", "text", "intent", "reading"),
    [
        # Typed confirmations at the summary are a yes, in both languages.
        (SUMMARY, "send it", "faq", "affirm"),
        (SUMMARY, "send den", "nlu_fallback", "affirm"),
        (SUMMARY, "ja send den", "inform", "affirm"),
        (SUMMARY, "yep looks right, go ahead and send it", "inform", "affirm"),
        (SUMMARY, "I want a person", "request_person", "affirm"),
        (SUMMARY, "don't send it yet", "inform", None),
        (SUMMARY, "ikke send den", "inform", None),
        (SUMMARY, "yes", "affirm", None),  # already what it means
        # At the offer, asking for the ticket in any words is a yes.
        (OFFER, "fine make the damn ticket", "nlu_fallback", "affirm"),
        (OFFER, "opret en sag", "faq", "affirm"),
        (OFFER, "I just want a human", "request_person", "affirm"),
        (OFFER, "just create the ticket", "request_ticket", "affirm"),
        (OFFER, "don't make a ticket", "inform", None),
        # Progress at a walkthrough step is "done"; trouble is not.
        (STEP, "ok downloaded it", "faq", "walkthrough_done"),
        (STEP, "ok downloaded it", "affirm", None),  # yes at a step is done already
        (STEP, "ok I see the QR code now", "faq", "walkthrough_done"),
        (STEP, "approved with the number. all good", "faq", "walkthrough_done"),
        (STEP, "det virkede", "nlu_fallback", "walkthrough_done"),
        (STEP, "slettet 👍", "nlu_fallback", "walkthrough_done"),
        (STEP, "ok", "nlu_fallback", "walkthrough_done"),
        (STEP, "ok but I can't scan the QR code", "faq", None),
        (STEP, "det virkede ikke", "nlu_fallback", None),
        (STEP, "how do I download it?", "faq", None),
        (STEP, "I'm stuck", "walkthrough_stuck", None),
        (STEP, "back", "nlu_fallback", "walkthrough_back"),
        (STEP, "tilbage", "nlu_fallback", "walkthrough_back"),
        (STEP, "sidder fast", "nlu_fallback", "walkthrough_stuck"),
        # A yes/no step: "no other way" is the no; "ok" is no answer to it.
        (QUESTION, "No, I have no other way to sign in", "no_method_left", "deny"),
        (QUESTION, "ok", "affirm", None),
        # The form's questions: the answer inside a sentence.
        (PHONE, "ring gerne på 20 13 57 91", "contact_servicedesk", "inform"),
        (PHONE, "her number is 28 91 44 03", "faq", "inform"),
        (PHONE, "what do you need my number for?", "faq", None),
        (USERNAME, "it's jbn@ruc.dk", "faq", "inform"),
        # "Yes, show me" after an answer that has a walkthrough starts it; after one without, no.
        (NEW_PHONE_ANSWER, "ja vis mig det", "affirm", "request_walkthrough"),
        (NEW_PHONE_ANSWER, "yes please", "affirm", "request_walkthrough"),
        (WHY_ANSWER, "yes", "affirm", None),
        (NEW_PHONE_ANSWER, "Yes please, walk me through it", "nlu_fallback", "request_walkthrough"),
        # A correction that names its field at the summary.
        (SUMMARY, "the email is wrong, it's jbn@ruc.dk", "ticket_change", "ticket_change"),
        (SUMMARY, "mailen er forkert, det er lmik2@ruc.dk", "deny", "ticket_change"),
        (SUMMARY, "nej", "deny", None),
        # Skipping the phone, keeping the proposed description, in words.
        (PHONE, "skip", "faq", "deny"),
        (PHONE, "nej tak", "deny", None),
        (
            Context(active_loop="ticket_form", requested_slot="ticket_name"),
            "ok jeg ringer til dem i morgen",
            "nlu_fallback",
            "walkthrough_stop",
        ),
        (
            Context(active_loop="ticket_form", requested_slot="ticket_contact"),
            "jeg ringer til dem",
            "inform",
            None,
        ),
        (SUMMARY_QUESTION, "behold", "nlu_fallback", "affirm"),
        (SUMMARY_QUESTION, "keep it", "faq", "affirm"),
        # Stuck a third time: a person.
        (HELPED_TWICE, "det virker stadig ikke!!", "walkthrough_stuck", "request_person"),
        # "Worked!" with no walkthrough running is thanks.
        (AFTER_AN_ANSWER, "did it on the phone instead, worked", "walkthrough_done", "thank"),
        (STEP, "done", "walkthrough_done", None),
        (
            AFTER_AN_ANSWER,
            "har tjekket det, virker stadig ikke",
            "walkthrough_done",
            "faq/code_rejected",
        ),
        (AFTER_AN_ANSWER, "ok det med koden virkede", "walkthrough_done", "thank"),
        # A short follow-up the classifier could not place is about the last answer.
        (AFTER_AN_ANSWER, "hvor ændrer jeg det på android", "inform_platform", "faq/code_rejected"),
        (AFTER_CONTACT, "What do I need to bring?", "nlu_fallback", "contact_servicedesk"),
        (AFTER_CONTACT, "can i email them?", "ticket_change", "contact_servicedesk"),
        (AFTER_CONTACT, "Hannah Cole", "nlu_fallback", None),  # no question: no follow-up
        (AFTER_AN_ANSWER, "ok yes make the ticket, urgent pls", "nlu_fallback", "request_ticket"),
        (AFTER_AN_ANSWER, "did it on the phone instead, worked", "nlu_fallback", "thank"),
        (AFTER_AN_ANSWER, "fundet det, nu virker koden", "faq", "thank"),
        (AFTER_AN_ANSWER, "koden virker ikke", "faq", None),
        (HELPED_TWICE, "det virker stadig ikke!!", "nlu_fallback", "request_person"),
        (OFFER, "ok", "nlu_fallback", "affirm"),
        (OFFER, "ok thanks, I'll come by tomorrow", "nlu_fallback", None),
        (NOTHING, "What do I need to bring?", "nlu_fallback", None),
        # No other method said in the first message: the no-method path.
        (NOTHING, "min app er væk og jeg har ingen anden metode", "faq", "no_method_left"),
        (NOTHING, "I lost my phone", "faq", None),
        (QUESTION, "nej jeg har ingen anden måde at logge ind på", "faq", "deny"),
        # "Forget it" with nothing open is a plain no; at the summary it cancels.
        (NOTHING, "nej glem det, jeg ringer selv", "walkthrough_stop", "deny"),
        (SUMMARY, "glem det", "walkthrough_stop", None),
        # What must be heard whatever was asked.
        (
            SUMMARY,
            "send it, and someone else approved a sign-in on my account",
            "report_compromise",
            None,
        ),
        (STEP, "ok my password is Hest1234", "share_secret", None),
        (NOTHING, "send it", "faq", None),
        (SUMMARY, "/affirm", "affirm", None),  # buttons say what they mean
    ],
)
def test_a_message_is_read_as_the_answer_to_what_was_asked(context, text, intent, reading):
    assert read_in_context(context, text, intent) == reading


def test_the_walkthroughs_yes_no_steps_are_known():
    assert step_is_question("lost_phone", "other_method")
    assert step_is_question("new_phone", "old_phone_works")
    assert not step_is_question("first_setup", "install")
    assert not step_is_question(None, None)


def test_a_relabelled_message_keeps_the_classifiers_guess_for_insights():
    parse = {
        "text": "send den",
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}],
        "entities": [],
    }
    read = relabelled(parse, "affirm")
    assert read["intent"] == {"name": "affirm", "confidence": 1.0}
    assert read["intent_ranking"][0]["name"] == "affirm"
    assert read["read_in_context_from"] == "nlu_fallback"
    assert read["text"] == "send den"


def test_a_correction_read_in_context_names_its_field():
    parse = {"text": "the email is wrong, it's jbn@ruc.dk", "intent": {"name": "deny"}}
    read = relabelled(parse, "ticket_change")
    assert {"entity": "ticket_field", "value": "ticket_username", "extractor": "context"} in read[
        "entities"
    ]
    assert relabelled({"text": "ok"}, "affirm")["entities"] == []


def test_a_follow_up_is_relabelled_as_the_answers_question():
    parse = {"text": "where do I change that on android", "intent": {"name": "inform_platform"}}
    read = relabelled(parse, "faq/code_rejected")
    assert read["intent"]["name"] == "faq"
    assert read["intent"]["full_retrieval_intent_name"] == "faq/code_rejected"
    assert read["response_selector"]["faq"]["response"]["utter_action"] == "utter_faq/code_rejected"


def test_the_topic_of_a_message_is_the_answer_or_the_topic_button():
    from bot.context_reading import topic_of

    answered = {"intent": {"name": "faq", "full_retrieval_intent_name": "faq/new_phone"}}
    pressed = {
        "intent": {"name": "choose_topic"},
        "entities": [{"entity": "topic", "value": "lost_phone"}],
    }
    assert topic_of(answered) == "faq/new_phone"
    assert topic_of(pressed) == "faq/lost_phone"
    assert topic_of({"intent": {"name": "greet"}}) is None


@pytest.mark.parametrize(
    ("text", "intent", "reading"),
    [
        ("call", "faq", "inform"),  # not the answer about phone calls as a sign-in method
        ("I'll come by", "faq", "inform"),
        ("jeg ringer", "nlu_fallback", "inform"),
        ("what are their opening hours?", "faq", None),
        ("can I call them instead of coming to the desk?", "faq", None),
    ],
)
def test_a_contact_choice_in_the_form_is_the_answer(text, intent, reading):
    assert read_in_context(CONTACT, text, intent) == reading
