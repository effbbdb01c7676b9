"""Feedback through the real assistant over REST (the widget's channel): the buttons on an
answer, a "no" that offers other topics, a rating typed after a walkthrough, in both
languages, and every one of them in the insights' table of the tracker database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.db import make_engine
from bot.insights import figures
from bot.insights.filters import Filters
from tests.integration.assistant import RunningAssistant, new_sender, start_assistant, texts

pytestmark = pytest.mark.slow
YES = '/feedback{"helpful": "yes"}'
NO = '/feedback{"helpful": "no"}'


@pytest.fixture(scope="module")
def assistant(trained_model: Path, tmp_path_factory) -> Iterator[RunningAssistant]:
    running = start_assistant(tmp_path_factory.mktemp("feedback"))
    yield running
    assert running.stop() == 0


def payloads(replies: list[dict]) -> list[str]:
    return [button["payload"] for reply in replies for button in reply.get("buttons") or []]


def turns(assistant: RunningAssistant, sender: str) -> list[sqlite3.Row]:
    with sqlite3.connect(assistant.var_dir / "trackers.db") as connection:
        connection.row_factory = sqlite3.Row
        query = "SELECT * FROM insight_turns WHERE sender_id = ? ORDER BY id"
        return connection.execute(query, (sender,)).fetchall()


def helpfulness_of(var_dir: Path, channel: str) -> dict[str, tuple[int, int]]:
    """The insights page's "Did this help?" figure for a channel: topic -> (yes, no)."""
    today = datetime.now(timezone.utc).date()
    filters = Filters(today - timedelta(days=1), today + timedelta(days=1), channel=channel)
    engine = make_engine(f"sqlite:///{var_dir / 'trackers.db'}")
    try:
        with engine.connect() as connection:
            found = figures.helpfulness(connection, filters)
    finally:
        engine.dispose()
    return {row.topic: (row.yes, row.no) for row in found}


def test_not_helpful_offers_other_topics_and_is_counted_against_the_answer(assistant):
    sender = new_sender()
    answer = assistant.say(sender, "I lost my phone")
    assert YES in payloads(answer) and NO in payloads(answer)
    sorry = assistant.say(sender, NO)
    assert "Sorry that didn't help" in texts(sorry)
    offered = payloads(sorry)
    assert '/choose_topic{"topic": "lost_phone"}' not in offered  # not the answer again
    assert "/request_ticket" in offered and len(offered) == 4
    again = assistant.say(sender, "why do I need MFA at all?")
    assert YES in payloads(again)
    assert "Glad it helped" in texts(assistant.say(sender, "yes, that did it"))

    rows = turns(assistant, sender)
    assert [(r["outcome"], r["topic"], r["helpful"]) for r in rows] == [
        ("answered", "faq/lost_phone", None),
        ("feedback", "faq/lost_phone", 0),
        ("answered", rows[2]["topic"], None),
        ("feedback", rows[2]["topic"], 1),
    ]
    assert rows[2]["topic"].startswith("faq/")
    assert {r["channel"] for r in rows} == {"rest"} and {r["language"] for r in rows} == {"en"}
    assert [r["typed"] for r in rows] == [1, 0, 1, 1]
    # The insights page counts both, each against its answer.
    figure = helpfulness_of(assistant.var_dir, "rest")
    assert figure["faq/lost_phone"][1] >= 1 and figure[rows[2]["topic"]][0] >= 1


def test_danish_feedback_typed_in_words(assistant):
    sender = new_sender()
    answer = assistant.say(sender, "jeg har mistet min telefon, hvad gør jeg?")
    titles = [button["title"] for reply in answer for button in reply.get("buttons") or []]
    assert "👍 Det hjalp" in titles and "👎 Hjalp ikke" in titles
    assert "Beklager, at det ikke hjalp" in texts(assistant.say(sender, "nej det hjalp ikke"))
    last = turns(assistant, sender)[-1]
    assert (last["language"], last["helpful"], last["topic"]) == ("da", 0, "faq/lost_phone")


def test_a_finished_walkthrough_asks_for_a_rating_and_a_typed_four_is_one(assistant):
    sender = new_sender()
    replies = assistant.say(sender, '/start_walkthrough{"walkthrough": "backup_phone"}')
    for _ in range(12):
        if "How did it go?" in texts(replies):
            break
        replies = assistant.say(sender, "/walkthrough_done")
    assert "How did it go?" in texts(replies)
    assert payloads(replies)[-5:] == [f'/feedback{{"rating": "{n}"}}' for n in range(1, 6)]
    assert "Thank you for rating" in texts(assistant.say(sender, "4"))
    rated = [r for r in turns(assistant, sender) if r["outcome"] == "feedback"]
    assert [(r["rating"], r["topic"]) for r in rated] == [(4, "walkthrough/backup_phone")]
