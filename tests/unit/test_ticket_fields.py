"""Tickets as the servicedesk reads them: values found in what people type, reasons, redaction."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionTicketChange
from bot.handoff import fields, reasons
from bot.handoff.transcript import recent_user_texts, session_intents, transcript
from bot.safety import SECRET_MARK, redact, redact_event

# --- phone numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("ring gerne på 20 13 57 91", "+4520135791"),
        ("her number is 28 91 44 03", "+4528914403"),
        ("+45 20135791 (mobil)", "+4520135791"),
        ("my number: 0045 2013 5791", "+4520135791"),
        ("20-13-57-91, efter kl. 16", "+4520135791"),
        ("nej, ring hellere på 28914403", "+4528914403"),
    ],
)
def test_phone_numbers_in_sentences_are_found_in_e164(text, number):
    assert fields.check_phone(text, declined=False) == fields.Checked.ok(number)


@pytest.mark.parametrize(
    "text", ["no", "nej", "skip", "spring over", "I'd rather not give it", "Nej tak."]
)
def test_the_phone_can_still_be_skipped_in_words(text):
    assert fields.check_phone(text, declined=False).value == fields.NO_PHONE


@pytest.mark.parametrize("text", ["482913", "my code is 482913", "call me maybe", "in a bit"])
def test_a_sign_in_code_or_words_alone_are_no_phone_number(text):
    assert fields.check_phone(text, declined=False) == fields.Checked.bad("phone_invalid")


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ugh. Jonas Berg Nielsen", "Jonas Berg Nielsen"),
        ("Lars Mikkelsen, som jeg skrev", "Lars Mikkelsen"),
        ("my name is Anna Holm", "Anna Holm"),
        ("I'm Anna Holm", "Anna Holm"),
        ("I’m Anna Holm", "Anna Holm"),
        ("jeg hedder Anna Holm", "Anna Holm"),
        ("det er Anna Holm", "Anna Holm"),
        ("Name: Anna Holm", "Anna Holm"),
        ("Hej, mit navn er Anna Holm.", "Anna Holm"),
        ("øhm... Anna Holm, tak", "Anna Holm"),
        ("ok, it's Anna Holm as I said", "Anna Holm"),
    ],
)
def test_names_lose_the_chatter_around_them(text, name):
    assert fields.check_name(text) == fields.Checked.ok(name)


@pytest.mark.parametrize(
    "name",
    ["Anne-Marie O'Neil", "Søren Ørsted", "Åse Æbelø", "Jan van der Berg", "Li",
     "So Young Kim", "Oh Se-ri", "Maria de la Cruz"],
)  # fmt: skip
def test_real_names_stay_intact(name):
    assert fields.check_name(name) == fields.Checked.ok(name)


# --- usernames ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("it's jbn@ruc.dk", "jbn@ruc.dk"),
        ("my username is jbn", "jbn"),
        ("brugernavn: jbn", "jbn"),
        ("min mail er jbn@ruc.dk", "jbn@ruc.dk"),
        ("det er JBN@ruc.dk.", "jbn@ruc.dk"),
    ],
)
def test_usernames_inside_a_sentence(text, value):
    assert fields.check_username(text, "ruc.dk") == fields.Checked.ok(value)


def test_addresses_inside_a_sentence_still_have_to_be_rucs():
    assert fields.check_username("it's jbn@gmail.com", "ruc.dk").problem == "email_not_ruc"
    assert fields.check_username("my username is two words", "ruc.dk").problem == (
        "username_invalid"
    )


# --- keeping the draft ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["behold", "behold den", "keep it", "that's fine", "ja, brug den", "Det er fint"]
)
def test_keep_phrases_keep_the_draft(text):
    assert fields.keeps_the_draft(text)
    assert fields.check_summary(text, False, "Locked out.") == fields.Checked.ok("Locked out.")


def test_a_keep_phrase_without_a_draft_is_no_description():
    assert fields.check_summary("behold", False, None) == fields.Checked.bad("summary_short")


@pytest.mark.parametrize(
    "text", ["my phone was stolen", "it is fine until I sign in", "nej, skriv noget andet"]
)
def test_own_words_are_not_a_keep_phrase(text):
    assert not fields.keeps_the_draft(text)
    assert fields.check_summary(text, False, "draft").value == text


# --- what the draft quotes, and why ---------------------------------------------------------


def test_the_draft_quotes_the_problem_not_the_confirmations():
    said = ["my phone was stolen on the train", "send it", "yes, send the ticket", "/affirm",
            "ja", "ring gerne på 20 13 57 91", "jbn@ruc.dk", "ok tak"]  # fmt: skip
    draft = reasons.summary_draft(reasons.NO_METHOD, said)
    assert draft.endswith('"my phone was stolen on the train"')


def _user(text: str, intent: str | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


SESSION = [
    _user("someone approved a sign-in that wasn't me", "report_compromise"),
    {"event": "action", "name": "action_offer_handoff"},
    _user("yes", "affirm"),
    {"event": "action", "name": "ticket_form"},
    {"event": "active_loop", "name": "ticket_form"},
    _user("Jonas Berg Nielsen", "inform"),
    _user("I changed nothing in the app myself"),  # typed into the form: an answer
    {"event": "active_loop", "name": None},
    {"event": "action", "name": "utter_ticket_summary"},
    _user("send it"),
    {"event": "action", "name": "action_listen"},
    _user("send the ticket to the servicedesk now"),
    {"event": "action", "name": "action_create_ticket"},
    _user("and my authenticator shows requests every hour", "report_compromise"),
    _user("I want to talk to a person", "request_person"),
]


def test_recent_texts_leave_out_the_ticket_form_and_its_confirmations():
    about_the_problem = [
        "someone approved a sign-in that wasn't me",
        "and my authenticator shows requests every hour",
        "I want to talk to a person",
    ]
    assert recent_user_texts(SESSION, 5) == about_the_problem
    assert recent_user_texts(SESSION, 2) == about_the_problem[-2:]


def test_session_intents_are_the_current_sessions():
    earlier = [_user("hi", "locked_out"), {"event": "session_started"}]
    assert session_intents([*earlier, *SESSION[:3]]) == ["report_compromise", "affirm"]


@pytest.mark.parametrize("intent", ["request_person", "locked_out", "nlu_fallback"])
def test_a_reported_compromise_stays_the_reason(intent):
    reason = reasons.reason_for(intent, None, ["report_compromise", "affirm", intent])
    assert reason == reasons.COMPROMISED and reasons.is_urgent(reason)


def test_asking_for_a_person_without_a_compromise_is_asking_for_a_person():
    assert reasons.reason_for("request_person", None, ["greet", "faq"]) == reasons.ASKED_PERSON


# --- redaction: one marker per secret -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("min adgangskode er Hest1234!", "min adgangskode er [password removed]"),
        ("adgangskode: Hest1234", "adgangskode: [password removed]"),
        ("adgangskode:Hest1234", "adgangskode:[password removed]"),
        ("adgangskode - Hest1234", "adgangskode - [password removed]"),
        ("adgangskode=Hest1234 tak", "adgangskode=[password removed] tak"),
        ("adgangskoden er Hest1234, hvad nu?", "adgangskoden er [password removed] hvad nu?"),
        ("kodeordet: Te&Kiks2023 virker ikke", "kodeordet: [password removed] virker ikke"),
        ('mit kodeord er "sommer 2024" og koden er 123456',
         "mit kodeord er [password removed] og koden er [code removed]"),
        ("min pin er 4821", "min pin er [password removed]"),
        ("my password is Hest1234!", "my password is [password removed]"),
        ("password: hunter2 and the code 123 456",
         "password: [password removed] and the code [code removed]"),
        ("pw:hest1234", "pw:[password removed]"),
        ("my pass word is Sommer2024 ok?", "my pass word is [password removed] ok?"),
        ("passcode = 99887766", "passcode = [password removed]"),
        ("the temporary access pass is Xy7kLm9Qp2!",
         "the temporary access pass is [password removed]"),
        ("password is 'hest 1234' right?", "password is [password removed] right?"),
    ],
)  # fmt: skip
def test_each_secret_becomes_exactly_one_marker(text, redacted):
    assert redact(text) == redacted
    assert redact(redacted) == redacted  # stored, then transcribed: redacted again
    assert redact(redact(text)).count("removed]") == redacted.count("removed]")


@pytest.mark.parametrize("text", [SECRET_MARK, "adgangskode:", "adgangskode: " + SECRET_MARK])
def test_markers_and_bare_secret_words_are_left_alone(text):
    assert redact(text) == text


def test_a_stored_message_in_the_ticket_transcript_has_one_marker():
    stored = redact_event({"event": "user", "text": "min adgangskode er Hest1234!"})
    [line] = transcript([stored])
    assert line["text"] == "min adgangskode er [password removed]"
    summary = redact_event({"event": "slot", "name": "ticket_summary", "value": stored["text"]})
    assert fields.check_summary(summary["value"], False, None).value == line["text"]


# --- corrections ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("the email is wrong, it's jbn@ruc.dk", "ticket_username", "jbn@ruc.dk"),
        ("brugernavnet er forkert, det skal være jbn", "ticket_username", "jbn"),
        ("navnet er forkert, det er Jonas Berg", "ticket_name", "Jonas Berg"),
        ("change my name to Anna Holm", "ticket_name", "Anna Holm"),
        ("nummeret er forkert, ring på 20 13 57 91", "ticket_phone", "+4520135791"),
        ("the phone should be 28 91 44 03", "ticket_phone", "+4528914403"),
        ("what happened is wrong, it should say my phone was stolen", "ticket_summary",
         "my phone was stolen"),
        ("ret det til at jeg kommer forbi", "ticket_contact", "visit"),
    ],
)  # fmt: skip
def test_a_correction_carries_its_new_value(text, field, value):
    assert fields.correction_in(text, field, "ruc.dk") == fields.Checked.ok(value)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("navnet er forkert", "ticket_name"),
        ("the name is wrong", "ticket_name"),
        ("my name is wrong, please fix it", "ticket_name"),
        ("det er forkert", "ticket_name"),
        ("I want to change my name", "ticket_name"),
        ("the phone number is wrong", "ticket_phone"),
        ('/ticket_change{"ticket_field": "ticket_name"}', "ticket_name"),
    ],
)
def test_a_correction_without_a_new_value_gives_none(text, field):
    assert fields.correction_in(text, field, "ruc.dk") is None


def test_a_wrong_new_value_comes_back_with_its_problem():
    found = fields.correction_in(
        "the email is wrong, it's jbn@gmail.com", "ticket_username", "ruc.dk"
    )
    assert found == fields.Checked.bad("email_not_ruc")


def _change(text: str, field: str) -> dict[str, Any]:
    latest = {"text": text, "intent": {"name": "ticket_change"},
              "entities": [{"entity": "ticket_field", "value": field}]}  # fmt: skip
    tracker = Tracker("t", {}, latest, [], False, None, {}, None)
    events = asyncio.run(ActionTicketChange().run(CollectingDispatcher(), tracker, {}))
    return {event["name"]: event["value"] for event in events}


def test_the_change_action_applies_the_correction_or_empties_the_field():
    applied = _change("the email is wrong, it's jbn@ruc.dk", "ticket_username")
    assert applied["ticket_username"] == "jbn@ruc.dk" and applied["ticket_problem"] is None
    asked = _change("navnet er forkert", "ticket_name")
    assert asked["ticket_name"] is None and asked["ticket_problem"] is None
    refused = _change("the email is wrong, it's jbn@gmail.com", "ticket_username")
    assert refused["ticket_username"] is None and refused["ticket_problem"] == "email_not_ruc"


def test_a_name_and_number_given_before_the_form_are_not_asked_again():
    said = [
        "jeg har mistet min telefon. jeg hedder Mette Holm og I kan ringe på 22 33 44 55",
        "/affirm",
    ]
    assert fields.given_up_front(said) == {
        "ticket_name": "Mette Holm",
        "ticket_phone": "+4522334455",
    }
    assert fields.given_up_front(["my name is Jonas Berg Nielsen and I'm locked out"]) == {
        "ticket_name": "Jonas Berg Nielsen"
    }
    # No introduction, no name: "I'm locked out" is not one; a sign-in code is no phone.
    assert fields.given_up_front(["I'm locked out", "the code is 482913"]) == {}


def test_a_message_relabelled_in_context_is_quoted_once():
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "ok downloaded it", "parse_data": {"intent": {"name": "affirm"}}},
        {"event": "rewind"},
        {"event": "action", "name": "action_listen"},
        {
            "event": "user",
            "text": "ok downloaded it",
            "parse_data": {"intent": {"name": "walkthrough_done"}},
        },
        {"event": "bot", "text": "Step 2 of 6"},
    ]
    assert [m["text"] for m in transcript(events)] == ["ok downloaded it", "Step 2 of 6"]
    assert session_intents(events) == ["walkthrough_done"]


@pytest.mark.parametrize(
    "said", ["ok jeg ringer til dem i morgen", "I'll call them tomorrow", "what is this for"]
)
def test_a_sentence_is_no_name(said):
    assert fields.check_name(said).problem == "name_invalid"
