"""The answer gate: a doubtful FAQ answer becomes the fallback's clarification."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from bot.rasa_ext.confidence_gate import (
    AnswerConfidenceGate,
    Thresholds,
    classifier_intent,
    is_doubtful,
)


def parsed(faq: float, answers: dict[str, float], intent: str = "faq") -> dict:
    ranking = [{"name": intent, "confidence": faq}, {"name": "greet", "confidence": 1 - faq}]
    return {
        "text": "q",
        "intent": {"name": intent, "confidence": faq},
        "intent_ranking": ranking,
        "response_selector": {
            "faq": {
                "response": {"intent_response_key": max(answers, key=answers.get)},
                "ranking": [
                    {"intent_response_key": key, "confidence": c} for key, c in answers.items()
                ],
            }
        },
    }


GATE = Thresholds(answer=0.5, margin=0.2)


def test_a_clear_answer_passes():
    assert not is_doubtful(parsed(0.99, {"faq/lost_phone": 0.9, "faq/new_phone": 0.05}), GATE)


def test_an_unlikely_answer_is_doubtful():
    assert is_doubtful(parsed(0.99, {"faq/lost_phone": 0.45, "faq/new_phone": 0.1}), GATE)
    # the answer's likelihood is P(faq) x P(answer | faq)
    assert is_doubtful(parsed(0.6, {"faq/lost_phone": 0.8, "faq/new_phone": 0.1}), GATE)


def test_an_answer_barely_ahead_of_another_is_doubtful():
    assert is_doubtful(parsed(1.0, {"faq/lost_phone": 0.55, "faq/new_phone": 0.4}), GATE)


def test_other_intents_are_left_to_the_fallback_classifier():
    assert not is_doubtful(parsed(0.3, {"faq/lost_phone": 0.1}, intent="greet"), GATE)


def test_the_component_hands_a_doubtful_answer_to_the_fallback_keeping_the_ranking():
    gate = AnswerConfidenceGate(GATE)
    doubtful = Message(data=parsed(1.0, {"faq/lost_phone": 0.5, "faq/new_phone": 0.45}))
    clear = Message(data=parsed(1.0, {"faq/lost_phone": 0.95, "faq/new_phone": 0.01}))
    gate.process([doubtful, clear])
    assert doubtful.data["intent"]["name"] == "nlu_fallback"
    assert classifier_intent(doubtful.data) == ("faq", 1.0)  # the suggestions still rank it
    assert clear.data["intent"]["name"] == "faq"


def test_calibration_replays_the_pipeline_on_stored_parse_data():
    from bench.calibrate import replayed_answer

    clear = parsed(0.99, {"faq/lost_phone": 0.9, "faq/new_phone": 0.05})
    assert replayed_answer(clear, 0.5, 0.1, GATE) == "faq/lost_phone"
    assert replayed_answer(clear, 0.995, 0.1, GATE) == "nlu_fallback"  # FallbackClassifier
    close = parsed(1.0, {"faq/lost_phone": 0.5, "faq/new_phone": 0.45})
    assert replayed_answer(close, 0.5, 0.1, Thresholds()) == "faq/lost_phone"
    assert replayed_answer(close, 0.5, 0.1, GATE) == "nlu_fallback"
    # links and stated passwords are recognised by rule after every threshold
    pasted = {**close, "text": "is https://evil.example/login real?"}
    assert replayed_answer(pasted, 0.5, 0.1, GATE) == "check_link"
