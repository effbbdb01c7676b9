"""Handoff to the servicedesk through the real servers over HTTP: offer, form, ticket, mail.

The assistant runs as `python -m bot run` would (Rasa, action server, outbox worker) with its
SQLite database and a real SMTP server on loopback as the servicedesk's mailbox.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.tickets.models import Ticket
from tests.integration.assistant import (
    RunningAssistant,
    button_titles,
    free_port,
    new_sender,
    start_assistant,
    texts,
)
from tests.integration.databases import stored_tickets
from tests.integration.smtp import Mailbox, start_smtp_server
from tests.typed_secrets import holds, read_stored, survivors, typed
from tests.unit.test_redaction_table import TABLE as REDACTION_TABLE

pytestmark = pytest.mark.slow
REFERENCE = re.compile(r"MFA-\d{6}")


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    port = free_port()
    box, controller = start_smtp_server(port)
    yield box, port
    controller.stop()


@pytest.fixture(scope="module")
def assistant(trained_model: Path, tmp_path_factory, mailbox) -> Iterator[RunningAssistant]:
    _box, smtp_port = mailbox
    running = start_assistant(
        tmp_path_factory.mktemp("handoff-var"),
        {
            "MFA_SMTP_HOST": "127.0.0.1",
            "MFA_SMTP_PORT": str(smtp_port),
            "MFA_SERVICEDESK_EMAIL": "servicedesk@ruc.dk",
            "MFA_OUTBOX_INTERVAL_SECONDS": "0.5",
            "MFA_LOG_FORMAT": "json",  # read by test_the_logs_are_json_lines_...
        },
    )
    yield running
    running.stop()


def tickets_of(assistant: RunningAssistant, sender: str) -> list[Ticket]:
    return stored_tickets(f"sqlite:///{assistant.var_dir / 'assistant.db'}", sender)


def fill_form(assistant: RunningAssistant, user: str, contact: str = "I'll call") -> str:
    """Answer the five questions plainly; returns the summary shown for confirmation."""
    assistant.say(user, "Jens Hansen")
    assistant.say(user, "jhansen@ruc.dk")
    assistant.say(user, "/deny")
    assistant.say(user, "/affirm")
    return texts(assistant.say(user, contact))


def test_lost_phone_without_a_method_becomes_one_ticket_a_mail_and_a_status(assistant, mailbox):
    box, _port = mailbox
    user = new_sender()
    assistant.say(user, "I lost my phone and the code 123 456 from the old one is useless")
    question = assistant.say(user, '/start_walkthrough{"walkthrough": "lost_phone"}')
    assert "another way to sign in" in texts(question)

    offer = assistant.say(user, "no")
    assert "photo ID" in texts(offer) and "set up a new method" in texts(offer)
    assert "+45 4674 3600" in texts(offer)
    assert button_titles(offer) == ["Yes, create a ticket", "No, thanks"]

    assert "full name" in texts(assistant.say(user, "yes"))
    assert "@ruc.dk" in texts(assistant.say(user, "Maria Jensen"))
    refused = texts(assistant.say(user, "maria.jensen@gmail.com"))
    assert "isn't an RUC address" in refused
    assert "call you back" in texts(assistant.say(user, "mjensen@ruc.dk"))
    assert "doesn't look like a phone number" in texts(assistant.say(user, "tomorrow afternoon"))
    draft = texts(assistant.say(user, "/deny"))
    assert "Lost, new or broken phone" in draft and "[code removed]" in draft
    assert "call the servicedesk, or come by" in texts(assistant.say(user, "/affirm"))
    summary = texts(assistant.say(user, "I'll come by in person"))
    assert "Maria Jensen" in summary and "mjensen@ruc.dk" in summary
    assert "come by the servicedesk" in summary and "Phone for a call back: none" in summary

    assert "What would you like to change?" in texts(assistant.say(user, "/ticket_change"))
    asked = assistant.say(user, '/ticket_change{"ticket_field": "ticket_username"}')
    assert "RUC username" in texts(asked)
    summary = texts(assistant.say(user, "mj@ruc.dk"))
    assert "mj@ruc.dk" in summary and "Maria Jensen" in summary

    created = texts(assistant.say(user, "/affirm"))
    [reference] = REFERENCE.findall(created)
    assert "photo ID" in created and "The servicedesk is" in created
    again = texts(assistant.say(user, "/affirm"))  # a double click on "Send it"
    assert REFERENCE.findall(again) == [reference] and "haven't made a second one" in again

    [ticket] = tickets_of(assistant, user)
    assert ticket.reference == reference
    assert (ticket.name, ticket.username, ticket.phone) == ("Maria Jensen", "mj@ruc.dk", None)
    assert ticket.contact_preference == "visit" and ticket.channel == "rest"
    assert not ticket.urgent and ticket.status == "open"
    transcript = json.dumps(ticket.transcript_lines)
    assert "123 456" not in transcript and "[code removed]" in transcript
    assert "maria.jensen@gmail.com" in transcript  # the user's words are kept, secrets are not

    mail = box.wait_for_subject(reference)
    assert reference in mail["Subject"] and "Maria Jensen" in mail["Subject"]
    assert "mj@ruc.dk" in mail.get_content()

    status = texts(assistant.say(user, "what's the status of my ticket?"))
    assert reference in status and "open" in status


def test_a_ticket_asked_for_in_danish_is_made_and_confirmed_in_danish(assistant):
    user = new_sender()
    assistant.say(user, "jeg er låst ude af min konto")
    assert "Hvad er dit fulde navn?" in texts(assistant.say(user, "ja tak"))
    summary = fill_form(assistant, user, contact="jeg ringer til jer")
    assert "Låst ude: kan ikke logge på med MFA." in summary  # the draft, in Danish
    created = texts(assistant.say(user, "/affirm"))
    [reference] = REFERENCE.findall(created)
    assert "Din sag har nummeret" in created and "Servicedesken har" in created
    [ticket] = tickets_of(assistant, user)
    assert ticket.reference == reference and ticket.contact_preference == "call"


def test_nobody_else_learns_about_a_ticket(assistant):
    owner, stranger = new_sender(), new_sender()
    assistant.say(owner, "I want to talk to a real person")
    assistant.say(owner, "yes")
    fill_form(assistant, owner)
    [reference] = REFERENCE.findall(texts(assistant.say(owner, "/affirm")))

    asked = texts(assistant.say(stranger, f"what is the status of {reference}?"))
    assert "isn't one of them" in asked and reference not in asked
    assert "can't find a ticket" in texts(assistant.say(stranger, "status of my ticket"))
    assert tickets_of(assistant, stranger) == []


def test_cancel_in_the_middle_of_the_form_sends_nothing(assistant):
    user = new_sender()
    assert "Shall I create a ticket" in texts(assistant.say(user, "I'm locked out of my account"))
    assistant.say(user, "yes")
    assistant.say(user, "Ida Thomsen")
    assert "cancelled the ticket" in texts(assistant.say(user, "cancel"))
    assert tickets_of(assistant, user) == []
    # The form is gone: a name now is just a message, not an answer to a question.
    assert "What's your RUC username" not in texts(assistant.say(user, "Ida Thomsen"))


def test_a_question_in_the_middle_of_the_form_is_answered_then_the_form_goes_on(assistant):
    user = new_sender()
    assistant.say(user, "I want to talk to a real person")
    assistant.say(user, "yes")
    not_a_name = texts(assistant.say(user, "I want to talk to a real person"))
    assert "doesn't look like a name" in not_a_name
    assistant.say(user, "Ole Sørensen")
    answer = texts(assistant.say(user, "how do I install the authenticator app?"))
    assert "Microsoft Corporation" in answer and "RUC username" in answer


def test_someone_changed_my_mfa_gives_an_urgent_ticket(assistant):
    user = new_sender()
    offer = texts(assistant.say(user, "someone changed my MFA, there's a phone I don't know"))
    assert "change your password" in offer and "urgent ticket" in offer
    assistant.say(user, "yes")
    summary = fill_form(assistant, user)
    assert "Possible misuse" in summary
    assistant.say(user, "/affirm")
    [ticket] = tickets_of(assistant, user)
    assert ticket.urgent


def test_two_misses_in_a_row_offer_a_ticket(assistant):
    user = new_sender()
    assistant.say(user, "/nlu_fallback")
    offer = texts(assistant.say(user, "/nlu_fallback"))
    assert "can't work out what you need" in offer and "Shall I create a ticket" in offer
    assert "OK, no ticket" in texts(assistant.say(user, "no"))


def test_secrets_typed_into_the_chat_are_kept_nowhere(assistant, mailbox):
    """Tracker store, assistant database, logs and the servicedesk's mail: no secret anywhere."""
    box, _port = mailbox
    password, code = "Vandrehjem#2031", "739 184"
    typed(password)
    user = new_sender()
    warning = texts(assistant.say(user, f"my password is {password}"))
    assert "don't keep what you typed" in warning and "change it now" in warning
    assert "I never need those" in texts(assistant.say(user, code.replace(" ", "")))
    assistant.say(user, "I'm locked out of my account")
    assistant.say(user, "yes")
    for answer in ("Ib Secret Jensen", "ibsj@ruc.dk", "/deny"):
        assistant.say(user, answer)
    assistant.say(user, f"locked out, the app shows {code} and my password is {password}")
    assistant.say(user, "I'll call")
    [reference] = REFERENCE.findall(texts(assistant.say(user, "/affirm")))
    mail = box.wait_for_subject(reference)

    secrets = (password, code, code.replace(" ", ""))
    stored = read_stored(path for path in assistant.var_dir.rglob("*") if path.is_file())
    assert any(path.name == "trackers.db" for path in stored)
    assert any(path.suffix == ".log" for path in stored)
    for path, content in stored.items():
        for secret in secrets:
            assert not holds(content, secret), f"{secret!r} found in {path.name}"
    for secret in secrets:
        assert secret not in mail.as_string()
    [ticket] = tickets_of(assistant, user)
    assert "[code removed]" in ticket.summary and "[password removed]" in ticket.summary


def test_failing_actions_leave_nothing_the_user_typed_in_the_logs(assistant):
    """A database error quotes the ticket's fields; the logs keep its place, not its words."""
    name, username, phone = "Ib Logprøve Jensen", "iblogp@ruc.dk", "21 43 65 87"
    user = new_sender()
    assistant.say(user, "I'm locked out of my account")
    assistant.say(user, "yes")
    assistant.say(user, name)
    assistant.say(user, username)
    assistant.say(user, f"+45 {phone}")
    assistant.say(user, "/affirm")
    assert name in texts(assistant.say(user, "I'll call"))
    database = assistant.var_dir / "assistant.db"
    moved = (("tickets", "tickets_away"), ("practice_secrets", "practice_away"))
    with sqlite3.connect(database) as db:
        for table, away in moved:
            db.execute(f"ALTER TABLE {table} RENAME TO {away}")
    try:
        # The ticket cannot be stored (the action says so) ...
        assert "couldn't save your ticket" in texts(assistant.say(user, "/affirm"))
        # ... and an action that fails outright gets Rasa's "part of me isn't responding".
        assert texts(assistant.say(user, "let me practise scanning a QR code"))
    finally:
        with sqlite3.connect(database) as db:
            for table, away in moved:
                db.execute(f"ALTER TABLE {away} RENAME TO {table}")
    # Rasa warns about a "/" message that is no intent payload, quoting it.
    typed(slashed := "Xq7#LogSecret")
    assert texts(assistant.say(user, f"/help my password is {slashed}\n2026 ERROR forged"))
    logs = [assistant.var_dir / "runner.log", *(assistant.var_dir / "logs").glob("*.log")]
    written = {log.name: log.read_text(errors="replace") for log in logs}
    assert "forged" not in written["rasa.log"]
    assert "Could not store the ticket" in written["actions.log"]  # the failures were logged
    assert "OperationalError (message withheld" in written["actions.log"]
    for log, text in written.items():
        for words in (name, "Logprøve", username, phone, phone.replace(" ", ""), slashed):
            assert words not in text, f"{words!r} in {log}"


def test_every_way_of_typing_a_secret_in_the_table_is_kept_nowhere(assistant, mailbox):
    """The redaction table typed into the chat, a secret in the REST metadata and a code at
    the phone question: no database, log or mail keeps one."""
    box, _port = mailbox
    rows = [row for row in REDACTION_TABLE if row.gone]
    secrets = typed(*(gone for row in rows for gone in row.gone), "Metadata$ecret1", "Nested#9x")
    assert len(secrets) >= 15
    for row in rows:
        assert (
            assistant.post_raw(json.dumps({"sender": new_sender(), "message": row.text}).encode())[
                0
            ]
            == 200
        )
    hidden = {"pw": "Metadata$ecret1", "note": {"deep": ["Nested#9x"]}, "language": "en"}
    body = {"sender": new_sender(), "message": "hello", "metadata": hidden}
    assert assistant.post_raw(json.dumps(body).encode())[0] == 200
    # A one-time code typed where the phone number is asked, then a ticket with a TAP in it.
    user = new_sender()
    assistant.say(user, "I'm locked out of my account")
    assistant.say(user, "yes")
    assistant.say(user, "Ib Table Jensen")
    assistant.say(user, "ibtj@ruc.dk")
    assert "phone number" in texts(assistant.say(user, "482913"))
    assistant.say(user, "/deny")
    assistant.say(user, "locked out, the servicedesk gave me Tq#8mZ!2 and it fails")
    assistant.say(user, "I'll call")
    [reference] = REFERENCE.findall(texts(assistant.say(user, "/affirm")))
    mail = box.wait_for_subject(reference).as_string()
    files = [path for path in assistant.var_dir.rglob("*") if path.is_file()]
    assert any(path.name == "trackers.db" for path in files)
    assert not survivors(files, secrets)
    assert not [secret for secret in secrets if secret in mail]
    with sqlite3.connect(assistant.var_dir / "trackers.db") as db:
        stored = "".join(data for (data,) in db.execute("SELECT data FROM events"))
    # The code at the phone question; not as digits inside a stored event's float timestamp.
    assert not re.search(r"(?<![\d.])482913(?!\d)", stored)


def test_the_logs_are_json_lines_with_one_request_id_across_processes_and_no_words(assistant):
    """MFA_LOG_FORMAT=json: what a log shipper reads. The ticket's last message carries our
    request id; the Rasa server and the action server both log it, and nothing the user
    typed reaches a log."""
    user = new_sender()
    marker = "Quokka Zanzibar"
    assistant.say(user, "I want to talk to a real person")
    assert "full name" in texts(assistant.say(user, "yes"))
    for answer in (marker, "jhansen@ruc.dk", "/deny", "/affirm"):
        assistant.say(user, answer)
    assert marker in texts(assistant.say(user, "I'll call"))
    request_id = f"test-{uuid.uuid4().hex}"
    request = urllib.request.Request(
        assistant.webhook,
        json.dumps({"sender": user, "message": "/affirm"}).encode(),
        {"Content-Type": "application/json", "X-Request-ID": request_id},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        assert reply.headers["X-Request-ID"] == request_id
        assert REFERENCE.search(texts(json.loads(reply.read())))
    [ticket] = tickets_of(assistant, user)
    assert ticket.name == marker

    logs = assistant.var_dir / "logs"
    entries: dict[str, list[dict]] = {}
    for name in ("rasa.log", "actions.log", "outbox.log", "console.log"):
        lines = (logs / name).read_text().splitlines()
        assert marker not in "\n".join(lines) and "jhansen@ruc.dk" not in "\n".join(lines)
        # Our processes log JSON from their first line; Rasa's until its logging is set up
        # (the model loading) is its own, so its lines are read from the first JSON one on.
        start = next(i for i, line in enumerate(lines) if line.startswith("{"))
        entries[name] = [json.loads(line) for line in lines[start:]]
        assert all({"time", "level", "process", "event"} <= set(e) for e in entries[name])
    with_id = {
        name: [e for e in found if e.get("request_id") == request_id]
        for name, found in entries.items()
    }
    assert any(
        e["event"] == "rest message answered 200" and e["duration_ms"] > 0
        for e in with_id["rasa.log"]
    )
    assert any(
        e["event"].startswith("action_create_ticket answered 200") for e in with_id["actions.log"]
    )
