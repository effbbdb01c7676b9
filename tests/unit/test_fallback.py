from bot.fallback import (
    is_second_miss,
    likeliest_topics,
    suggestion_slots,
    topic_payload,
    topic_scores,
    topic_titles,
)

PARSE = {
    "intent": {"name": "nlu_fallback", "confidence": 0.5},
    "intent_ranking": [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "faq", "confidence": 0.4},
        {"name": "contact_servicedesk", "confidence": 0.3},
        {"name": "greet", "confidence": 0.2},
    ],
    "response_selector": {
        "faq": {
            "ranking": [
                {"intent_response_key": "faq/lost_phone", "confidence": 0.9},
                {"intent_response_key": "faq/new_phone", "confidence": 0.05},
                {"intent_response_key": "faq/install_app", "confidence": 0.05},
            ]
        }
    },
}


def test_faq_topics_are_weighted_by_the_faq_intent_confidence():
    scores = topic_scores(PARSE)
    assert scores["faq/lost_phone"] == 0.4 * 0.9
    assert scores["contact_servicedesk"] == 0.3
    assert "greet" not in scores and "nlu_fallback" not in scores


def test_likeliest_topics_are_ordered_and_limited():
    assert likeliest_topics(PARSE, limit=2) == ["faq/lost_phone", "contact_servicedesk"]


def test_an_empty_parse_still_gets_default_topics():
    assert likeliest_topics({}) == ["faq/first_sign_in", "faq/lost_phone", "contact_servicedesk"]


def user(intent: str) -> dict:
    return {"event": "user", "parse_data": {"intent": {"name": intent}}}


def action(name: str) -> dict:
    return {"event": "action", "name": name}


def test_first_miss_is_not_a_second_miss():
    events = [action("action_listen"), user("greet"), action("utter_greet"),
              action("action_listen"), user("nlu_fallback")]  # fmt: skip
    assert not is_second_miss(events)


SUGGESTED = [user("nlu_fallback"), action("action_fallback"), action("utter_fallback_topics"),
             action("action_listen")]  # fmt: skip


def test_miss_right_after_the_suggestions_is_a_second_miss():
    assert is_second_miss([*SUGGESTED, user("nlu_fallback")])


def test_none_of_these_after_the_suggestions_is_a_second_miss():
    assert is_second_miss([*SUGGESTED, user("deny")])


def test_a_real_question_after_the_suggestions_starts_over():
    assert not is_second_miss([*SUGGESTED, user("faq")])


def test_miss_after_an_answer_is_a_first_miss_again():
    events = [*SUGGESTED, user("faq"), action("utter_faq"), action("action_listen"),
              user("nlu_fallback")]  # fmt: skip
    assert not is_second_miss(events)


def test_a_no_to_something_else_is_not_a_miss():
    events = [user("greet"), action("utter_greet"), action("action_listen"), user("deny")]
    assert not is_second_miss(events)


def test_payloads_reach_the_right_intent():
    assert topic_payload("faq/lost_phone") == '/choose_topic{"topic": "lost_phone"}'
    assert topic_payload("contact_servicedesk") == "/contact_servicedesk"


DOMAIN = {
    "responses": {
        "utter_faq/lost_phone": [{"text": "...", "metadata": {"topic_title": "Lost phone"}}],
        "utter_faq/new_phone": [{"text": "..."}],
        "utter_servicedesk_contact": [{"text": "...", "metadata": {"topic_title": "Servicedesk"}}],
        "utter_faq/install_app": [{"text": "...", "metadata": {"topic_title": "Install"}}],
    }
}


def test_titles_come_from_response_metadata():
    assert topic_titles(DOMAIN) == {
        "utter_faq/lost_phone": "Lost phone",
        "utter_servicedesk_contact": "Servicedesk",
        "utter_faq/install_app": "Install",
    }


def test_suggestions_skip_untitled_topics_and_fill_three_buttons():
    slots = suggestion_slots(PARSE, topic_titles(DOMAIN))
    assert slots == {
        "fallback_title_1": "Lost phone",
        "fallback_payload_1": '/choose_topic{"topic": "lost_phone"}',
        "fallback_title_2": "Servicedesk",
        "fallback_payload_2": "/contact_servicedesk",
        "fallback_title_3": "Install",
        "fallback_payload_3": '/choose_topic{"topic": "install_app"}',
    }
