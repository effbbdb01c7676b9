"""Redaction keeps secrets out of tickets and leaves ordinary words alone."""

from __future__ import annotations

import pytest

from bot.safety import CODE_MARK, SECRET_MARK, redact, redact_event, states_a_password


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("my code is 123456 and it's rejected", "123456"),
        ("the app shows 123 456", "123 456"),
        ("SMS code 12345678", "12345678"),
        ("password: hunter2", "hunter2"),
        ("my password is Sommer2024!", "Sommer2024!"),
        ("pw er Roskilde99", "Roskilde99"),
        ("adgangskode: 'min hemmelighed'", "min hemmelighed"),
        ("the temporary access pass was Xy7kLm9Qp2", "Xy7kLm9Qp2"),
        ("adgangskoden er Rugbroed77", "Rugbroed77"),
        ("kodeordet: Te&Kiks2023", "Te&Kiks2023"),
    ],
)
def test_secrets_are_removed(text, secret):
    redacted = redact(text)
    assert secret not in redacted
    assert CODE_MARK in redacted or SECRET_MARK in redacted


@pytest.mark.parametrize(
    "text",
    [
        "I forgot my password",
        "my password is wrong",
        "reset my password please",
        "my e-mail is jdoe@ruc.dk",
        "I lost my phone on bus 202",
        "MFA-000123 is my ticket",
        "the app keeps pinging me",
        "can I use passwordless sign-in",
        "jeg har glemt min adgangskode",
        "",
    ],
)
def test_ordinary_text_is_kept(text):
    assert redact(text) == text


def test_user_events_are_redacted_for_storing():
    event = {
        "event": "user",
        "text": "my code is 123456",
        "parse_data": {"text": "my code is 123456", "intent": {"name": "faq"}},
    }
    stored = redact_event(event)
    assert stored["text"] == stored["parse_data"]["text"] == f"my code is {CODE_MARK}"
    assert stored["parse_data"]["intent"] == {"name": "faq"}
    assert event["text"] == "my code is 123456"  # the turn in memory keeps it


def test_free_text_slots_are_redacted_and_the_phone_and_bot_texts_kept():
    summary = {"event": "slot", "name": "ticket_summary", "value": "pw: hunter2"}
    assert redact_event(summary)["value"] == f"pw: {SECRET_MARK}"
    phone = {"event": "slot", "name": "ticket_phone", "value": "+45 12 34 56 78"}
    assert redact_event(phone) is phone
    bot = {"event": "bot", "text": "Call +45 4674 3600."}
    assert redact_event(bot) is bot


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("my password is Kanelsnegl99", True),
        ("pw: Tulip-Fjord-42", True),
        ("my password is Hest!Hest!", True),
        ("mit kodeord er Hygge2024", True),
        ("adgangskoden er Rugbroed77", True),
        ("passwordet er Hund1234", True),
        ("min adgangskode er forkert", False),
        ("my password is wrong!", False),
        ("I think someone knows my password, they're triggering requests", False),
        ("is it ok to type my password there?", False),
        ("my password is supposedly expiring", False),
        # a "code" with letters in it is a password; six digits are the app's code
        ("koden er Hest1234! er den forkert?", True),
        ("my code is abc123", True),
        ("the code is 482913", False),
        ("koden er forkert", False),
        ("koden er 482.915", False),
        # the phrasings redaction learnt are stated passwords too
        ("mit password er: Hest1234", True),
        ("the password for webmail is Kanel99", True),
        ("adgangskoden til min mail er Kage2024", True),
        ("I changed my password to Fjord#2031", True),
        ("pass: qwerty12345", True),
        # ordinary words are a passphrase to redact, but no sure statement to warn about
        ("my password is blue horse", False),
        # a link's query is no statement: the link check answers it
        ("is https://login.micros0ft.com/?code=Xy7kLm9Qp2 real?", False),
    ],
)
def test_a_stated_password_is_told_from_talk_about_passwords(text, stated):
    assert states_a_password(text) is stated


def test_a_code_with_letters_is_redacted_as_a_password():
    assert redact("koden er Hest1234! er den forkert?") == f"koden er {SECRET_MARK} er den forkert?"
    assert redact("the code is 482913") == f"the code is {CODE_MARK}"
