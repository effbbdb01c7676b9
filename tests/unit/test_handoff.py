"""The handoff's decisions: reasons, the form's field checks, the transcript."""

from __future__ import annotations

import pytest

from bot.handoff import fields, reasons
from bot.handoff.transcript import recent_user_texts, transcript


@pytest.mark.parametrize(
    ("intent", "previous_action", "reason"),
    [
        ("deny", "action_walkthrough", reasons.NO_METHOD),
        ("no_method_left", "action_walkthrough", reasons.NO_METHOD),
        ("deny", "action_fallback", reasons.MISUNDERSTOOD),
        ("locked_out", None, reasons.LOCKED_OUT),
        ("report_compromise", None, reasons.COMPROMISED),
        ("request_person", None, reasons.ASKED_PERSON),
        ("nlu_fallback", None, reasons.MISUNDERSTOOD),
        ("deny", None, reasons.MISUNDERSTOOD),
        (None, None, reasons.MISUNDERSTOOD),
    ],
)
def test_reason_for_the_offer(intent, previous_action, reason):
    assert reasons.reason_for(intent, previous_action) == reason


def test_only_a_possibly_compromised_account_is_urgent():
    assert [r for r in reasons.REASONS if reasons.is_urgent(r)] == [reasons.COMPROMISED]


def test_summary_draft_quotes_the_users_last_words_without_buttons():
    said = ["it says my account is blocked", "hi", "/affirm", "my account is locked"]
    draft = reasons.summary_draft(reasons.LOCKED_OUT, said)
    assert draft.startswith("Locked out")
    assert '"it says my account is blocked / my account is locked"' in draft
    assert reasons.summary_draft(reasons.LOCKED_OUT, []) == "Locked out: cannot sign in with MFA."
    long = reasons.summary_draft(reasons.ASKED_PERSON, ["x" * 1000])
    assert len(long) < 400 and long.endswith('…"')


@pytest.mark.parametrize("name", ["Maria Jensen", "  Søren   Ørsted ", "Anne-Marie O'Neil", "Li"])
def test_names_accepted(name):
    assert fields.check_name(name).value == " ".join(name.split())


def test_a_confident_other_request_is_not_a_name():
    assert fields.looks_like_an_answer("inform", 0.99)
    assert fields.looks_like_an_answer("nlu_fallback", 0.3)
    assert fields.looks_like_an_answer("greet", 0.5)  # unsure: let the name through
    assert not fields.looks_like_an_answer("request_person", 0.95)
    assert fields.check_name("I want a real person", answered=False).problem == "name_invalid"


@pytest.mark.parametrize(
    "name", ["", "x", "12345", "maria@ruc.dk", "how do I install the app?", "R2D2", "a " * 60]
)
def test_names_refused(name):
    assert fields.check_name(name) == fields.Checked(None, "name_invalid")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("jdoe", "jdoe"),
        ("JDoe@RUC.dk", "jdoe@ruc.dk"),
        ("jdoe@ruc.dk.", "jdoe@ruc.dk"),
        ("mailto:jdoe@ruc.dk", "jdoe@ruc.dk"),
        ("stud123@student.ruc.dk", "stud123@student.ruc.dk"),
    ],
)
def test_ruc_usernames_and_addresses_accepted(text, value):
    assert fields.check_username(text, "ruc.dk").value == value


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("maria@gmail.com", "email_not_ruc"),
        ("maria@notruc.dk", "email_not_ruc"),
        ("maria@ruc", "username_invalid"),
        ("@ruc.dk", "username_invalid"),
        ("two words", "username_invalid"),
        ("1234", "username_invalid"),
        ("", "username_invalid"),
    ],
)
def test_other_usernames_refused_with_the_reason(text, problem):
    assert fields.check_username(text, "ruc.dk") == fields.Checked(None, problem)


def test_the_ruc_domain_is_configurable():
    assert fields.check_username("ann@example.org", "example.org").value == "ann@example.org"
    assert fields.check_username("ann@ruc.dk", "example.org").problem == "email_not_ruc"


@pytest.mark.parametrize(
    ("text", "value"),
    [("+45 12 34 56 78", "+4512345678"), ("12345678", "+4512345678"),
     ("(+46) 70-123 45 67", "+46701234567")],
)  # fmt: skip
def test_phone_numbers_accepted_in_e164(text, value):
    assert fields.check_phone(text, declined=False).value == value


@pytest.mark.parametrize("text", ["skip", "No thanks", "nej"])
def test_phone_can_be_skipped_in_words(text):
    assert fields.check_phone(text, declined=False).value == fields.NO_PHONE


def test_phone_can_be_skipped_with_the_button():
    assert fields.check_phone("/deny", declined=True).value == fields.NO_PHONE


@pytest.mark.parametrize("text", ["123", "call me maybe", "+45 12 34 56 78 90 12 34 56"])
def test_phone_numbers_refused(text):
    assert fields.check_phone(text, declined=False).problem == "phone_invalid"


def test_summary_keeps_the_draft_or_takes_redacted_words():
    assert fields.check_summary("/affirm", True, "Locked out.").value == "Locked out."
    mine = fields.check_summary("phone stolen, my code was 123456", False, "draft")
    assert mine.value == "phone stolen, my code was [code removed]"
    assert fields.check_summary("no", False, "draft").problem == "summary_short"
    assert len(fields.check_summary("y" * 5000, False, None).value) == fields.MAX_SUMMARY_CHARS


@pytest.mark.parametrize(
    ("text", "value"),
    [("I'll call", "call"), ("I'll come by in person", "visit"), ("ring them", "call"),
     ("visit tomorrow", "visit"), ("jeg ringer", "call"), ("telefonisk", "call"),
     ("jeg kommer forbi", "visit"), ("jeg moeder op personligt", "visit")],
)  # fmt: skip
def test_contact_preference(text, value):
    assert fields.check_contact(text).value == value


@pytest.mark.parametrize("text", ["whatever", "call or come by, not sure", "ved ikke"])
def test_unclear_contact_preference(text):
    assert fields.check_contact(text).problem == "contact_unclear"


EVENTS = [
    {"event": "user", "text": "old session", "timestamp": 1},
    {"event": "session_started"},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "my code 123456 fails", "timestamp": 1_700_000_000},
    {"event": "bot", "text": "Set the clock to automatic.", "timestamp": 1_700_000_001},
    {"event": "user", "text": "/affirm", "timestamp": 1_700_000_002},
    {"event": "bot", "text": None},
]


def test_transcript_is_the_current_session_redacted():
    lines = transcript(EVENTS)
    assert [line["who"] for line in lines] == ["user", "bot", "user"]
    assert lines[0]["text"] == "my code [code removed] fails"
    assert lines[0]["at"] == "2023-11-14T22:13:20+00:00"
    assert lines[2]["text"] == "[pressed a button]"
    assert "old session" not in str(lines)


def test_transcript_keeps_the_newest_messages():
    events = [{"event": "user", "text": f"m{i}"} for i in range(100)]
    assert [line["text"] for line in transcript(events, limit=3)] == ["m97", "m98", "m99"]


def test_recent_user_texts_skip_buttons():
    assert recent_user_texts(EVENTS, 2) == ["my code [code removed] fails"]
