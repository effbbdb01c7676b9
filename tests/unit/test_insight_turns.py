"""The facts of a message as the tracker store records them (bot/insights/turns.py)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.insights.turns import rephrase_of, rows_for_turn

ZONE = ZoneInfo("Europe/Copenhagen")
# 2026-12-07 15:30 UTC is 16:30 in Copenhagen, a Monday.
AT = 1796657400.0


def user(text: str, intent: str, confidence: float = 0.9, at: float = AT) -> dict:
    return {
        "event": "user",
        "text": text,
        "timestamp": at,
        "parse_data": {"intent": {"name": intent, "confidence": confidence}},
    }


def bot(action: str, **metadata: str) -> dict:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": action, **metadata}}


def slot(name: str, value: str) -> dict:
    return {"event": "slot", "name": name, "value": value}


def action(name: str) -> dict:
    return {"event": "action", "name": name}


def row(new: list[dict], before: list[dict] = (), channel: str = "rest") -> dict:
    rows = rows_for_turn("s1", list(before), new, channel, "da", ZONE)
    assert len(rows) == 1
    return rows[0]


def test_an_answered_question_in_local_time_with_its_topic():
    found = row([user("how do I get the app", "faq", 0.83), bot("utter_faq/install_app")])
    assert found["day"] == date(2026, 12, 7) and found["hour"] == 16 and found["weekday"] == 0
    assert found["topic"] == "faq/install_app" and found["outcome"] == "answered"
    assert found["confidence"] == 0.83 and found["typed"] and found["language"] == "da"
    assert found["helpful"] is None and found["rating"] is None and not found["rephrased"]


def test_what_the_assistant_did_decides_the_outcome_the_strongest_wins():
    unsure = row([user("blah", "nlu_fallback", 0.2), slot("fallback_stage", "suggest")])
    assert unsure["outcome"] == "clarified" and unsure["topic"] is None
    again = [user("blah", "nlu_fallback"), slot("fallback_stage", "servicedesk")]
    assert row([*again, action("action_offer_handoff")])["outcome"] == "handoff"
    assert row(again)["outcome"] == "servicedesk"
    ticket = row([user("send it", "affirm"), slot("ticket_outcome", "created")])
    assert ticket["outcome"] == "ticket"
    walk = row([user("/start_walkthrough", "start_walkthrough"), slot("walkthrough", "new_phone")])
    assert walk["topic"] == "walkthrough/new_phone" and not walk["typed"]
    assert row([user("hi", "greet")])["topic"] is None
    assert row([user("when are you open", "contact_servicedesk")])["topic"] == "contact_servicedesk"


def test_feedback_is_about_what_the_previous_reply_asked_about():
    asked = bot("utter_faq/lost_phone", feedback_for="faq/lost_phone", feedback_kind="helpful")
    before = [user("lost my phone", "faq"), asked]
    no = row([user("/feedback", "feedback"), slot("feedback_given", "no")], before)
    assert (no["outcome"], no["topic"], no["helpful"], no["rating"]) == (
        "feedback",
        "faq/lost_phone",
        False,
        None,
    )
    rated = row([user("4", "feedback"), slot("feedback_given", "4")], before)
    assert rated["rating"] == 4 and rated["helpful"] is None


def test_a_relabelled_message_counts_once_as_what_it_was_read_as():
    new = [
        user("nej", "deny", 0.7),
        {"event": "rewind"},
        user("nej", "feedback", 1.0),
        slot("feedback_given", "no"),
    ]
    assert row(new)["intent"] == "feedback"
    assert rows_for_turn("s1", [], [bot("utter_greet")], "rest", None, ZONE) == []


def test_a_rephrase_is_the_same_question_again_in_other_words_soon_after():
    first = user("the authenticator app code is not accepted", "faq")
    assert rephrase_of(
        first, user("authenticator code not accepted when i sign in", "faq", at=AT + 30)
    )
    assert not rephrase_of(first, user("where is the servicedesk", "faq", at=AT + 30))
    # Alike only in the words every question has: two questions.
    backup = user("how do I add a backup phone", "faq")
    assert not rephrase_of(backup, user("how do I get a new phone", "faq", at=AT + 30))
    assert not rephrase_of(first, user("the authenticator app code is not accepted", "faq"))
    late = user("authenticator code not accepted when i sign in", "faq", at=AT + 3600)
    assert not rephrase_of(first, late)
    assert not rephrase_of(first, user("/choose_topic", "choose_topic", at=AT + 5))
    assert not rephrase_of(None, first)
