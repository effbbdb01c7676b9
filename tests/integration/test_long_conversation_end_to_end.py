"""Long conversations through the real servers: compact trackers lose no state and no event.

Each conversation runs well past the recent turns a compact tracker keeps
(bot/rasa_ext/tracker_compaction.py KEEP_USER_TURNS), then checks what only older turns can
tell: the walkthrough step, the ticket form's answers, the fallback's second miss, the ticket's
transcript, and every message in the tracker store in order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.assistant import RunningAssistant, new_sender, start_assistant, texts
from tests.integration.test_handoff_end_to_end import tickets_of

pytestmark = pytest.mark.slow
START = '/start_walkthrough{"walkthrough": "%s"}'
QUESTIONS = (
    "how do I install the authenticator app?",
    "what is MFA?",
    "my code is rejected",
    "what is the servicedesk's phone number?",
    "I'm not getting the approval notification on my phone",
    "can I use SMS instead?",
    "what is number matching?",
)
REFERENCE = re.compile(r"MFA-\d{6}")


@pytest.fixture(scope="module")
def assistant(trained_model: Path, tmp_path_factory) -> Iterator[RunningAssistant]:
    running = start_assistant(
        tmp_path_factory.mktemp("long-conversation-var"), {"MFA_RATE_LIMIT_MESSAGES": "1000"}
    )
    yield running
    running.stop()


def stored_user_texts(assistant: RunningAssistant, sender: str) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{assistant.var_dir / 'trackers.db'}")
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            )
            events = [json.loads(data) for (data,) in rows]
    finally:
        engine.dispose()
    return [event["text"] for event in events if event["event"] == "user"]


def chat(assistant: RunningAssistant, sender: str, messages: list[str], sent: list[str]) -> str:
    """Send messages in order, remembering them; returns the last answer's text."""
    answer = ""
    for message in messages:
        answer = texts(assistant.say(sender, message))
        sent.append(message)
    return answer


def test_a_walkthrough_step_survives_many_questions_and_every_message_is_stored(assistant):
    user, sent = new_sender(), []
    chat(assistant, user, [START % "first_setup", '/inform_platform{"platform": "android"}'], sent)
    step3 = chat(assistant, user, ["/walkthrough_done", "/walkthrough_done"], sent)
    assert "Step 3 of 6" in step3
    chat(assistant, user, [*QUESTIONS, *QUESTIONS], sent)  # far more than the recent turns
    assert chat(assistant, user, ["where was I?"], sent) == step3
    assert "Step 4 of 6" in chat(assistant, user, ["/walkthrough_done"], sent)
    assert stored_user_texts(assistant, user) == sent


def test_a_half_filled_form_survives_many_questions(assistant):
    user, sent = new_sender(), []
    chat(assistant, user, [*QUESTIONS[:3], "I want to talk to a real person", "yes"], sent)
    assert "@ruc.dk" in chat(assistant, user, ["Maria Jensen"], sent)
    for question in QUESTIONS:
        assert "@ruc.dk" in chat(assistant, user, [question], sent)  # the form asks again
    assert "call you back" in chat(assistant, user, ["mj@ruc.dk"], sent)
    chat(assistant, user, ["/deny", "/affirm"], sent)
    summary = chat(assistant, user, ["I'll come by in person"], sent)
    assert "Maria Jensen" in summary and "mj@ruc.dk" in summary
    created = chat(assistant, user, ["/affirm"], sent)
    [reference] = REFERENCE.findall(created)
    [ticket] = tickets_of(assistant, user)
    assert ticket.reference == reference and ticket.name == "Maria Jensen"
    # The transcript holds the session's early messages too, not only the recent turns.
    said = [line["text"] for line in ticket.transcript_lines if line["who"] == "user"]
    assert said[0] == QUESTIONS[0] and "Maria Jensen" in said
    assert stored_user_texts(assistant, user) == sent


def test_two_misses_offer_a_ticket_late_in_a_long_conversation(assistant):
    user, sent = new_sender(), []
    chat(assistant, user, [*QUESTIONS, *QUESTIONS], sent)
    assert "Did you mean" in chat(assistant, user, ["/nlu_fallback"], sent)
    offer = chat(assistant, user, ["/nlu_fallback"], sent)
    assert "can't work out what you need" in offer and "Shall I create a ticket" in offer
    assert stored_user_texts(assistant, user) == sent
