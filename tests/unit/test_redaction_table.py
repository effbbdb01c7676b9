"""The redaction table: how people type secrets and personal numbers, and what must stay readable.

Each row is what a user might type, in English or Danish, with the secrets that must be gone
and the markers they become, in order; rows without secrets must come back unchanged. Every
row also passes again unchanged (text is redacted when stored, and again for the ticket).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from bot.content import content_slots
from bot.domain import english_responses
from bot.handoff.transcript import transcript
from bot.locales import load_locale
from bot.safety import (
    CODE_MARK,
    MARKS,
    NUMBER_MARK,
    SECRET_MARK,
    redact,
    redact_assistant,
    redact_event,
)

C, S, N = CODE_MARK, SECRET_MARK, NUMBER_MARK
MARKER = re.compile("|".join(re.escape(mark) for mark in MARKS))


@dataclass(frozen=True)
class Row:
    text: str
    gone: tuple[str, ...] = ()  # what must not survive
    marks: tuple[str, ...] = ()  # the markers the result holds, in order
    kept: tuple[str, ...] = ()  # what must survive next to the secret

    def __str__(self) -> str:
        return self.text


def secret(text: str, *gone: str, marks: tuple[str, ...] = (S,), kept: tuple[str, ...] = ()) -> Row:
    return Row(text, gone, marks, kept)


def unchanged(text: str) -> Row:
    return Row(text)


TABLE = [
    # --- passwords, English ---------------------------------------------------------------------
    secret("password is: Hest1234", "Hest1234"),
    secret("my password is Sommer2024!", "Sommer2024"),
    secret("password hunter2", "hunter2"),
    secret("pass: Xk9#mQ2p", "Xk9#mQ2p"),
    secret("pw: Tulip-Fjord-42", "Tulip", "Fjord"),
    secret("passcode = 99887766", "99887766"),
    secret("I changed my password to Fjord#2031", "Fjord#2031"),
    secret("I changed my password to blue horse", "blue", "horse"),
    secret("I've set my new password to Kanel99 yesterday", "Kanel99", kept=("yesterday",)),
    secret("the password for webmail is Kanel99", "Kanel99", kept=("for webmail is",)),
    secret("the password for my RUC webmail is blue horse", "blue", "horse"),
    secret("my password is blue horse", "blue", "horse"),
    secret("my password is blue Horse7 and it fails", "blue", "Horse7"),
    secret("my password is blue horse, what now?", "blue", "horse", kept=("what now?",)),
    secret("my password is blue horse but it is rejected", "horse", kept=("but it is rejected",)),
    secret("my password is now Hest1234", "Hest1234"),
    secret("my new password: 'correct horse battery'", "correct", "horse", "battery"),
    secret("My Password Is Summer2024", "Summer2024"),
    secret("password is 'hest 1234' right?", "hest 1234", kept=("right?",)),
    # --- passwords, Danish ----------------------------------------------------------------------
    secret("mit password er: Hest1234", "Hest1234"),
    secret("mit password er: blå hest", "blå", "hest"),
    secret("min kode er hestehoved", "hestehoved"),
    secret("min kode er Rugbrød77", "Rugbrød77"),
    secret("min adgangskode er Hest1234!", "Hest1234"),
    secret("adgangskoden til webmail er Kage2024", "Kage2024"),
    secret("adgangskoden til min mail er blå hest", "blå", "hest"),
    secret("jeg har skiftet min adgangskode til Sommer2024", "Sommer2024"),
    secret("jeg ændrede koden til kaffe og kage", "kaffe", "kage"),
    secret("kodeordet: Te&Kiks2023 virker ikke", "Te&Kiks2023", kept=("virker ikke",)),
    secret("adgangskode = Hest1234 tak", "Hest1234", kept=("tak",)),
    secret("passwordet er Hund1234", "Hund1234"),
    secret("pinkoden er 4821", "4821"),
    secret("løsen: Snebold#9", "Snebold#9"),
    secret("min kode er nu stadig Kage2024", "Kage2024"),
    # --- Temporary Access Passes and other generated secrets ---------------------------------
    secret("the temporary access pass was Xy7kLm9Qp2", "Xy7kLm9Qp2"),
    secret("my TAP is Tq#8mZ!2", "Tq#8mZ!2"),
    secret("Tq#8mZ!2", "Tq#8mZ!2"),
    secret("I got Wv4.Kd8:Rn2 from the servicedesk", "Wv4.Kd8:Rn2", kept=("from the servicedesk",)),
    secret("the pass Gd4!kP9x does not work", "Gd4!kP9x", kept=("does not work",)),
    secret("mit midlertidige adgangspas er Tq#8mZ!2", "Tq#8mZ!2"),
    secret("jeg fik passet (Rk7$wQ2m) af servicedesken", "Rk7$wQ2m", kept=("af servicedesken",)),
    # --- one-time codes ---------------------------------------------------------------------
    secret("my code is 482913", "482913", marks=(C,)),
    secret("the app shows 123 456", "123 456", marks=(C,)),
    secret("koden er 482.915", "482.915", "915", marks=(C,)),
    secret("the code is 482-915, do I type it here?", "482-915", marks=(C,)),
    secret("SMS code 12345678", "12345678", marks=(C,)),
    secret("engangskoden 48 29 15 afvises", "48 29 15", marks=(C,)),
    secret("jeg fik 7391 8420 i sms'en", "7391 8420", marks=(C,)),
    secret("my code is 482913 and it's rejected", "482913", marks=(C,), kept=("rejected",)),
    # --- personal numbers: CPR, cards, accounts -----------------------------------------------
    secret("my CPR is 0101901234", "0101901234", marks=(N,)),
    secret("mit cpr-nummer er 010190-1234", "010190", "1234", marks=(N,)),
    secret("CPR: 010190 1234", "010190", "1234", marks=(N,)),
    secret("card 4111111111111111", "4111111111111111", "1111", marks=(N,)),
    secret("kortnummer 4111 1111 1111 1111", "4111", "1111", marks=(N,)),
    secret("4111-1111-1111-1111 was charged", "4111", "1111", marks=(N,)),
    secret("konto 1234 1234567890", "1234567890", marks=(N,)),
    # --- several at once ----------------------------------------------------------------------
    secret("password: hunter2 and the code 123 456", "hunter2", "123 456", marks=(S, C)),
    # --- found by an attack on the running assistant: the value first, e-mail-like values ---
    secret("Hunter2q is my password", "Hunter2q"),
    secret("Hest!Hestq! er mit kodeord", "Hest!Hestq"),
    secret("kaffekageqz er mit kodeord", "kaffekageqz"),
    secret("jeg bruger kaffekageqy som adgangskode", "kaffekageqy"),
    secret("ilovecatszt <- that's my password", "ilovecatszt"),
    secret("password: P@ss.w0rdq", "P@ss.w0rdq"),
    secret("min kode er P@ss.w0rdDA", "P@ss.w0rdDA"),
    unchanged("this is my password manager, is it safe?"),
    unchanged("Authenticator is my new password manager"),
    secret('mit kodeord er "sommer 2024" og koden er 123456', "sommer", "123456", marks=(S, C)),
    secret("min cpr er 0101901234 og koden er 482915", "0101901234", "482915", marks=(N, C)),
    # --- a pasted link: its host stays, a token in it does not ---------------------------------
    secret(
        "is https://login.micros0ft.com/reset?token=Xy7kLm9Qp2abc real?",
        "Xy7kLm9Qp2abc",
        kept=("https://login.micros0ft.com/reset?token=",),
    ),
    # --- ordinary sentences, English ---------------------------------------------------------
    unchanged("my password is wrong"),
    unchanged("I forgot my password"),
    unchanged("reset my password please"),
    unchanged("can I use passwordless sign-in"),
    unchanged("my password is still the old one"),
    unchanged("I need my password to log in"),
    unchanged("is it ok to type my password there?"),
    unchanged("the QR code is blurry"),
    unchanged("the pass is valid for 8 hours"),
    unchanged("my password is 12 characters long"),
    unchanged("MFA-000123 is my ticket"),
    unchanged("what is the status of mfa-000456?"),
    unchanged("my e-mail is jdoe@ruc.dk"),
    unchanged("s123456@ruc.dk"),
    unchanged("my username is jbn"),
    unchanged("call me on +45 46 74 20 00"),
    unchanged("+4520135791"),
    unchanged("(+46) 70-123 45 67"),
    unchanged("I lost my phone on bus 202"),
    unchanged("my iPhone15 broke and I have Office365 on 2 phones"),
    unchanged("the sign-in on 2024-01-15 at 16:00 failed"),
    unchanged("the app keeps pinging me"),
    unchanged("is login.microsoftonline.com real?"),
    # --- ordinary sentences, Danish ----------------------------------------------------------
    unchanged("jeg har glemt min adgangskode"),
    unchanged("min adgangskode er forkert"),
    unchanged("koden er udløbet"),
    unchanged("koden virker ikke"),
    unchanged("koden er 6 cifre"),
    unchanged("QR-koden er sløret"),
    unchanged("min kode er ikke kommet"),
    unchanged("ring til mig på +45 20 13 57 91"),
    unchanged("jeg har en FIDO2-sikkerhedsnøgle"),
    unchanged("mit brugernavn er abcd@ruc.dk"),
    unchanged(""),
]


def _marks(text: str) -> tuple[str, ...]:
    return tuple(MARKER.findall(text))


def test_the_table_covers_both_languages_at_length():
    assert len(TABLE) >= 60
    assert len({row.text for row in TABLE}) == len(TABLE)


@pytest.mark.parametrize("row", TABLE, ids=str)
def test_the_table(row: Row):
    redacted = redact(row.text)
    if not row.marks:
        assert redacted == row.text
    for gone in row.gone:
        assert gone not in redacted, f"{gone!r} left in {redacted!r}"
    assert _marks(redacted) == row.marks, redacted
    for kept in row.kept:
        assert kept in redacted, f"{kept!r} lost in {redacted!r}"
    assert redact(redacted) == redacted  # stored, then put in a ticket: redacted again


# --- the assistant's messages ---------------------------------------------------------------
# Values the assistant's texts are filled with besides the content slots, as they come.
SAMPLE_SLOTS = {
    "ticket_reference": "MFA-000123",
    "ticket_status_reference": "MFA-000123",
    "ticket_name": "Jonas Berg",
    "ticket_username": "jbn@ruc.dk",
    "ticket_phone": "+4520135791",
    "ticket_summary": "Lost, new or broken phone. In their words: my code [code removed] fails",
    "ticket_summary_draft": "Locked out. In their words: min adgangskode er [password removed]",
    "link_host": "micros0ft-login.com",
    "practice_key": "JBSW Y3DP EHPK 3PXP",
    "practice_link": "otpauth://totp/RUC%20MFA%20practice?secret=JBSWY3DPEHPK3PXP&issuer=RUC",
    "practice_qr_image": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB",
    "practice_drift": "Your phone's clock is 2 minutes behind.",
    "hours_status": "The servicedesk is open now, until 16:00.",
    **{f"fallback_title_{n}": "Set up MFA for the first time" for n in (1, 2, 3)},
    **{f"fallback_payload_{n}": '/choose_topic{"topic": "first_sign_in"}' for n in (1, 2, 3)},
}
PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_0-9]+)\}(?!\})")


def _assistant_texts(responses: dict[str, Any], slots: dict[str, str]):
    """(response, text) for every text, button, image and metadata value, slots filled."""
    for name, variants in responses.items():
        for variant in variants:
            strings = [variant.get("text") or "", variant.get("image") or ""]
            for button in variant.get("buttons") or []:
                strings += [button["title"], button["payload"]]
            strings += [str(value) for value in (variant.get("metadata") or {}).values()]
            for text in strings:
                yield name, PLACEHOLDER.sub(lambda m: slots.get(m.group(1), m.group(0)), text)


def _every_assistant_text():
    english = english_responses()
    danish = load_locale("da")
    yield from _assistant_texts(english, {**content_slots(), **SAMPLE_SLOTS})
    slots = {**content_slots(), **danish.slot_values, **SAMPLE_SLOTS}
    yield from _assistant_texts(dict(danish.responses), slots)


def test_the_assistants_own_texts_pass_unchanged():
    texts = list(_every_assistant_text())
    assert len(texts) > 500
    changed = [(name, text) for name, text in texts if redact_assistant(text) != text]
    assert not changed


@pytest.mark.parametrize(
    "text",
    [
        "Call the servicedesk on +45 4674 3600 (8am-4pm on weekdays).",
        "Get the app: https://apps.apple.com/app/microsoft-authenticator/id983156458",
        "https://play.google.com/store/apps/details?id=com.azure.authenticator",
        "Type just the 6 digits, for example 123 456.",
        "Med telefonlogin skriver du ikke din adgangskode: Vælg din RUC-konto i appen.",
        "Your ticket is **MFA-000123**.",
        "Phone for a call back: +4520135791",
    ],
)
def test_assistant_texts_keep_links_and_phone_numbers(text):
    assert redact_assistant(text) == text


@pytest.mark.parametrize(
    ("text", "gone", "mark"),
    [
        ("What happened: my code 482915 fails", "482915", C),
        ("In their words: my TAP Tq#8mZ!2 is rejected", "Tq#8mZ!2", S),
        ("In their words: min adgangskode er Hest1234!", "Hest1234", S),
        ("In their words: mit cpr er 010190-1234", "1234", N),
    ],
)
def test_assistant_texts_lose_what_they_quote(text, gone, mark):
    redacted = redact_assistant(text)
    assert gone not in redacted and _marks(redacted) == (mark,)


def test_the_transcript_keeps_the_assistants_links_and_numbers():
    events = [
        {"event": "user", "text": "min kode er hestehoved"},
        {"event": "bot", "text": "Call +45 4674 3600 or get the app at {url}"},
    ]
    url = content_slots()["app_store_url"]
    events[1]["text"] = events[1]["text"].format(url=url)
    user, bot = transcript(events)
    assert user["text"] == f"min kode er {S}"
    assert bot["text"] == events[1]["text"]


# --- events as they are stored ------------------------------------------------------------
def test_a_user_event_is_redacted_in_text_parse_data_entities_and_metadata():
    event = {
        "event": "user",
        "text": "my password is blue horse",
        "parse_data": {
            "text": "my password is blue horse",
            "intent": {"name": "share_secret"},
            "entities": [{"entity": "secret", "value": "Tq#8mZ!2", "start": 0, "end": 8}],
        },
        "metadata": {"language": "da", "name": "Jonas Berg", "token": "blue horse"},
    }
    stored = redact_event(event)
    assert "horse" not in str(stored) and "Tq#8mZ!2" not in str(stored)
    # A message understood as sharing a password is told "I don't keep what you typed": so it
    # is kept whole as one marker, whatever the rules would have found in it.
    assert stored["text"] == stored["parse_data"]["text"] == S
    assert stored["parse_data"]["entities"][0]["value"] == S
    other = {**event, "parse_data": {**event["parse_data"], "intent": {"name": "locked_out"}}}
    assert redact_event(other)["text"] == f"my password is {S}"
    assert stored["parse_data"]["intent"] == {"name": "share_secret"}
    assert stored["metadata"] == {"language": "da"}  # the client's other keys are dropped
    assert event["text"] == "my password is blue horse"  # the turn in memory keeps it


def test_the_session_start_metadata_slot_keeps_only_allowed_keys():
    slot = {"event": "slot", "name": "session_started_metadata", "value": {"pw": "Hest1234"}}
    assert redact_event(slot)["value"] == {}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("482915", C),
        ("min kode er 482 915", f"min kode er {C}"),
        ("46742000", "46742000"),
        ("ring på 46 74 20 00", "ring på 46 74 20 00"),
        ("+45 46 74 20 00", "+45 46 74 20 00"),
        ("+4546742000", "+4546742000"),
        (None, None),
    ],
)
def test_the_phone_slot_keeps_phone_numbers_not_codes(typed, stored):
    event = {"event": "slot", "name": "ticket_phone", "value": typed}
    assert redact_event(event)["value"] == stored


@pytest.mark.parametrize(
    "name", ["ticket_name", "ticket_username", "ticket_summary", "ticket_contact"]
)
def test_slots_filled_from_typed_text_are_redacted(name):
    event = {"event": "slot", "name": name, "value": "min kode er blå hest"}
    assert redact_event(event)["value"] == f"min kode er {S}"


def test_the_assistants_draft_slot_and_messages_are_redacted_gently():
    draft = {"event": "slot", "name": "ticket_summary_draft", "value": "a 482915 / +45 4674 3600"}
    assert redact_event(draft)["value"] == f"a {C} / +45 4674 3600"
    bot = {
        "event": "bot",
        "text": "This is what I'll tell them: my TAP Tq#8mZ!2 fails. Call +45 4674 3600.",
        "data": {"buttons": [{"title": "Keep this", "payload": "/affirm"}],
                 "custom": {"quoted": "min cpr er 0101901234"}},
    }  # fmt: skip
    stored = redact_event(bot)
    assert stored["text"] == f"This is what I'll tell them: my TAP {S} fails. Call +45 4674 3600."
    assert stored["data"]["custom"]["quoted"] == f"min cpr er {N}"
    assert stored["data"]["buttons"] == bot["data"]["buttons"]


def test_events_with_nothing_to_redact_are_returned_as_they_are():
    for event in [
        {"event": "bot", "text": "Call +45 4674 3600.", "data": {}, "metadata": {}},
        {"event": "user", "text": "hello", "parse_data": {"text": "hello", "entities": []}},
        {"event": "slot", "name": "ticket_phone", "value": "+4520135791"},
        {"event": "action", "name": "action_listen"},
    ]:
        assert redact_event(event) is event
