"""The action server's answers are checked as stock Rasa checks them, schema checked once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_ext import action_results

VALID = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "walkthrough_step", "value": "2", "timestamp": None}],
        "responses": [{"text": "Step 2 of 4", "buttons": [{"title": "Done", "payload": "/x"}]}],
    },
]
INVALID = [
    {"events": "not a list", "responses": []},
    {"events": [{"no": "event name"}], "responses": []},
    {"events": [], "responses": "not a list"},
]


@pytest.fixture
def stock() -> RemoteAction:
    return RemoteAction("action_walkthrough", None)


@pytest.mark.parametrize("result", VALID)
def test_valid_answers_pass(stock, result):
    assert stock._validate_action_result(result) is True  # stock Rasa agrees
    assert action_results.validate_action_result(stock, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_answers_raise_the_same_error_as_stock_rasa(stock, result):
    with pytest.raises(ValidationError) as stock_error:
        stock._validate_action_result(result)
    with pytest.raises(ValidationError) as our_error:
        action_results.validate_action_result(stock, result)
    assert our_error.value.message == stock_error.value.message
    assert "Failed to validate Action server response" in our_error.value.message


def test_install_replaces_the_check_for_every_remote_action(monkeypatch):
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    action_results.install()
    assert RemoteAction._validate_action_result is action_results.validate_action_result
