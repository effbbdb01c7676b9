"""Blending opinions: the weights, the rewritten intent and answer, the first opinion alone."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.fallback import topic_scores
from bot.rasa_ext.second_opinion import blend, blended_scores


def parsed(faq: float, answers: dict[str, float]) -> dict:
    return {
        "text": "q",
        "intent": {"name": "faq", "confidence": faq},
        "intent_ranking": [
            {"name": "faq", "confidence": faq},
            {"name": "greet", "confidence": 1 - faq},
        ],
        "response_selector": {
            "faq": {
                "response": {
                    "intent_response_key": max(answers, key=answers.get),
                    "utter_action": f"utter_{max(answers, key=answers.get)}",
                    "responses": [{"text": "kept"}],
                },
                "ranking": [
                    {"intent_response_key": key, "confidence": c} for key, c in answers.items()
                ],
            }
        },
    }


def test_the_blend_weighs_both_opinions():
    data = parsed(0.9, {"faq/lost_phone": 0.8, "faq/new_phone": 0.2})
    second = {"faq/lost_phone": 0.1, "faq/new_phone": 0.9, "greet": 0.0}
    scores = blended_scores(data, second, weight=0.5)
    assert scores["faq/lost_phone"] == pytest.approx(0.5 * 0.72 + 0.5 * 0.1)
    assert scores["faq/new_phone"] == pytest.approx(0.5 * 0.18 + 0.5 * 0.9)
    assert scores["greet"] == pytest.approx(0.5 * 0.1)


def test_blending_rewrites_intent_and_answer_so_the_fallback_reads_the_blend():
    data = parsed(0.9, {"faq/lost_phone": 0.8, "faq/new_phone": 0.2})
    scores = {"faq/lost_phone": 0.2, "faq/new_phone": 0.5, "greet": 0.3}
    blend(data, scores)
    assert data["intent"] == {"name": "faq", "confidence": pytest.approx(0.7)}
    assert [r["name"] for r in data["intent_ranking"]] == ["faq", "greet"]
    answer = data["response_selector"]["faq"]["response"]
    assert answer["intent_response_key"] == "faq/new_phone"
    assert answer["utter_action"] == "utter_faq/new_phone"  # what Rasa's utter_faq runs
    assert topic_scores(data)["faq/new_phone"] == pytest.approx(0.5)
    assert topic_scores(data)["faq/lost_phone"] == pytest.approx(0.2)


def test_another_intent_can_win_the_blend():
    data = parsed(0.6, {"faq/lost_phone": 1.0})
    blend(data, {"faq/lost_phone": 0.3, "greet": 0.7})
    assert data["intent"]["name"] == "greet"
    assert data["intent_ranking"][1] == {"name": "faq", "confidence": pytest.approx(0.3)}


def test_the_first_opinion_asked_writes_intent_and_answer_from_nothing():
    """With no classifier before it, an opinion's scores are taken whole, not weighed down,
    and the answer appears where Rasa's utter_faq and the parse result look for it."""
    message = Message(data={"text": "my phone was stolen"})
    assert blended_scores(message.data, {"faq/lost_phone": 0.9, "greet": 0.1}, 0.3) == {
        "faq/lost_phone": 0.9,
        "greet": 0.1,
    }
    blend(message.data, {"faq/lost_phone": 0.9, "greet": 0.1})
    assert message.data["intent"] == {"name": "faq", "confidence": pytest.approx(0.9)}
    selector = message.data["response_selector"]
    assert selector["all_retrieval_intents"] == ["faq"]
    assert selector["faq"]["response"]["utter_action"] == "utter_faq/lost_phone"
