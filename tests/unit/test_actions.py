"""Actions run against real rasa_sdk Trackers and the real domain."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback
from actions.servicedesk import ActionSetHoursStatus
from actions.topics import ActionAnswerTopic


def tracker(events: list[dict[str, Any]], latest: dict[str, Any] | None = None) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "test",
            "slots": {},
            "latest_message": latest or {},
            "events": events,
            "paused": False,
            "latest_event_time": None,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": None,
        }
    )


def run(action, tracker_: Tracker, domain: dict) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, domain))
    return dispatcher.messages, events


def slots_of(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


UNCLEAR = {
    "text": "my phone thing broke maybe",
    "intent": {"name": "nlu_fallback", "confidence": 0.5},
    "intent_ranking": [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "faq", "confidence": 0.45},
        {"name": "contact_servicedesk", "confidence": 0.1},
    ],
    "response_selector": {
        "faq": {
            "ranking": [
                {"intent_response_key": "faq/lost_phone", "confidence": 0.6},
                {"intent_response_key": "faq/new_phone", "confidence": 0.3},
                {"intent_response_key": "faq/install_app", "confidence": 0.1},
            ]
        }
    },
}


def user_event(intent: str) -> dict:
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


def test_first_miss_suggests_the_three_likeliest_topics_with_titles_from_the_domain(domain):
    messages, events = run(ActionFallback(), tracker([user_event("nlu_fallback")], UNCLEAR), domain)
    assert messages == []
    slots = slots_of(events)
    assert slots["fallback_stage"] == "suggest"
    assert slots["fallback_title_1"] == "Lost or broken phone"
    assert slots["fallback_payload_1"] == '/choose_topic{"topic": "lost_phone"}'
    assert slots["fallback_payload_2"] == '/choose_topic{"topic": "new_phone"}'
    assert slots["fallback_title_3"] == "Contact the servicedesk"
    assert slots["fallback_payload_3"] == "/contact_servicedesk"


def test_a_miss_without_a_ranking_still_fills_all_three_buttons(domain):
    _, events = run(ActionFallback(), tracker([user_event("nlu_fallback")], {}), domain)
    slots = slots_of(events)
    assert all(slots.get(f"fallback_payload_{n}") for n in (1, 2, 3))


def test_second_miss_goes_to_the_servicedesk_with_the_opening_status(domain):
    events = [
        user_event("nlu_fallback"),
        {"event": "action", "name": "action_fallback"},
        {"event": "action", "name": "utter_fallback_topics"},
        {"event": "action", "name": "action_listen"},
        user_event("deny"),
    ]
    _, result = run(ActionFallback(), tracker(events), domain)
    slots = slots_of(result)
    assert slots["fallback_stage"] == "servicedesk"
    assert slots["hours_status"].startswith("The servicedesk is")


def test_hours_status_is_a_sentence_about_now(domain):
    _, events = run(ActionSetHoursStatus(), tracker([]), domain)
    status = slots_of(events)["hours_status"]
    assert status.startswith(("The servicedesk is open now", "The servicedesk is closed now"))


def test_a_topic_button_is_answered_with_its_faq_response(domain):
    latest = {
        "intent": {"name": "choose_topic"},
        "entities": [{"entity": "topic", "value": "lost_phone"}],
    }
    messages, _ = run(ActionAnswerTopic(), tracker([], latest), domain)
    assert [m["response"] for m in messages] == ["utter_faq/lost_phone"]


def test_an_unknown_topic_gets_the_help_menu_not_silence(domain):
    latest = {
        "intent": {"name": "choose_topic"},
        "entities": [{"entity": "topic", "value": "nope"}],
    }
    messages, _ = run(ActionAnswerTopic(), tracker([], latest), domain)
    assert [m["response"] for m in messages] == ["utter_help"]


def test_status_sentence_uses_the_configured_calendar():
    from zoneinfo import ZoneInfo

    from bot.hours import status_sentence
    from bot.settings import Settings

    hours = Settings(servicedesk_opens="09:00", servicedesk_closes="15:00").service_hours
    tuesday_noon = datetime(2026, 11, 24, 12, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    assert status_sentence(hours, tuesday_noon) == "The servicedesk is open now, until 15:00."
