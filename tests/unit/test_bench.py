"""The benchmark's pure parts: percentiles, ratios and the tables docs/benchmarks.md shows."""

from __future__ import annotations

import json
import math

import pytest

from bench.markdown import compared_row, number, percent, table, times
from bench.memory import role_of
from bench.stats import LatencySummary, percentile, ratio
from bench.store_check import missing_messages


def test_percentiles_interpolate_between_ranks_like_numpy():
    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert percentile(values, 50) == 30.0
    assert percentile(values, 95) == pytest.approx(48.0)
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 50.0
    assert percentile([7.0], 99) == 7.0
    assert percentile(list(reversed(values)), 25) == 20.0


def test_no_values_is_missing_not_zero():
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_summary_counts_throughput_over_the_window():
    summary = LatencySummary.of([100.0] * 30, elapsed_s=10.0)
    assert (summary.requests, summary.p50_ms, summary.throughput_per_s) == (30, 100.0, 3.0)


def test_ratio_is_missing_without_a_reference():
    assert ratio(150.0, 100.0) == 1.5
    assert math.isnan(ratio(1.0, 0.0))
    assert math.isnan(ratio(math.nan, 1.0))


def test_cells_show_missing_figures_as_a_dash():
    assert number(1234.5, 1, "ms") == "1,234.5 ms"
    assert number(math.nan) == number(None) == "-"
    assert percent(0.9182) == "91.8%"
    assert times(1.5) == "1.50x"
    assert times(math.nan) == "-"


def test_compared_row_puts_the_reference_and_the_ratio_beside_the_figure():
    assert compared_row("cold start", 30.0, 20.0, 1, "s") == [
        "cold start",
        "30.0 s",
        "20.0 s",
        "1.50x",
    ]


def test_table_renders_github_markdown_with_figures_right_aligned():
    rendered = table(["users", "p95"], [["1", "80"], ["10", "120"]])
    assert rendered.splitlines() == [
        "| users | p95 |",
        "| :--- | ---: |",
        "| 1 | 80 |",
        "| 10 | 120 |",
    ]
    with pytest.raises(ValueError):
        table(["a", "b"], [["only one"]])


def test_processes_are_named_by_their_command_line():
    assert role_of(["python", "-m", "rasa", "run", "--model", "m.tar.gz"]) == "Rasa server"
    assert (
        role_of(["python", "-m", "bot.rasa_ext.action_server", "--port", "5055"]) == "action server"
    )
    assert role_of(["python", "-m", "bot", "outbox"]) == "outbox worker"
    assert role_of(["python", "-m", "bot", "console"]) == "console"
    assert role_of(["nginx: worker process"]) == "nginx worker"
    assert role_of(["python", "-m", "bot", "run"]) == "runner"
    assert (
        role_of(["python", "-m", "bot.rasa_ext.rasa_server", "run", "--port", "5005"])
        == "Rasa server"
    )


def test_messages_missing_from_the_store_are_counted_per_sender():
    answered = {"a": 3, "b": 2, "c": 1}
    assert missing_messages(answered, {"a": 3, "b": 1}) == 2
    assert missing_messages(answered, {"a": 5, "b": 2, "c": 1}) == 0


def test_real_question_table_shows_three_ways_beside_the_baseline_and_the_target():
    from bench.document import _real_questions
    from bench.results import Results

    def shares(right: float, honest: float, wrong: float) -> dict[str, float]:
        return {"total": 100, "right_share": right, "honest_share": honest, "wrong_share": wrong}

    results = Results(quick=True, machine="m", load_seconds=1, soak_seconds=1, think_time_s=(0, 0))
    results.real_questions = {
        "English (real)": {
            "model": shares(0.91, 0.05, 0.04),
            "keyword search": shares(0.2, 0.5, 0.3),
        },
        "Danish (real)": {"model": shares(0.8, 0.1, 0.1)},
    }
    text = _real_questions(results)
    english, danish = (line for line in text.splitlines() if "(real)" in line)
    assert "91.0% / 5.0% / 4.0%" in english and "| met |" in english
    assert "20.0% / 50.0% / 30.0%" in english
    assert "**not met**" in danish and danish.rstrip(" |").endswith("-")


# Conversations as people type them: the aggregation and the section of docs/benchmarks.md,
# on hand-made results (no server).


def _conversation(language: str, covers: str, name: str):
    from bench.conversation_tests import Conversation

    return Conversation(name=name, language=language, covers=covers, turns=())


def _turn(*, problems=(), fallback=False, repeated=False):
    from bench.conversation_tests import TurnResult

    return TurnResult("said", "reply", [], list(problems), fallback, repeated)


def _played():
    """Four conversations, 10 turns, 4 wasted (one per cause, one fallback that also missed),
    one lost ticket."""
    from bench.conversation_tests import ConversationResult

    ok, missed = _turn(), _turn(problems=["should say 'MFA-'"])
    return [
        ConversationResult(_conversation("en", "item 2", "a"), [ok, ok, missed], []),
        ConversationResult(
            _conversation("da", "item 10", "b"),
            [ok, _turn(fallback=True, problems=["should say 'kode'"]), ok],
            ["told the user MFA-000001, but no such ticket is stored"],
        ),
        ConversationResult(
            _conversation("da", "help page", "c"), [ok, _turn(repeated=True, problems=["x"])], []
        ),
        ConversationResult(_conversation("en", "item 2", "d"), [ok, _turn(fallback=True)], []),
    ]


def test_a_wasted_turn_counts_under_one_cause_fallback_first_then_repeat():
    from bench.conversation_tests import waste_cause

    assert waste_cause(_turn()) is None
    assert waste_cause(_turn(problems=["p"])) == "wrong answer"
    assert waste_cause(_turn(repeated=True, problems=["p"])) == "repeat"
    assert waste_cause(_turn(fallback=True, repeated=True, problems=["p"])) == "fallback"


def test_wasted_turns_are_broken_down_by_language_cause_and_covers():
    from bench.conversation_tests import break_down, summarise

    played = _played()
    breakdown = break_down(played)
    assert breakdown.overall == summarise(played)
    assert (breakdown.overall.turns, breakdown.overall.wasted) == (10, 4)
    assert (breakdown.overall.passed, breakdown.overall.lost_tickets) == (0, 1)
    assert list(breakdown.by_language) == ["da", "en"]
    english, danish = breakdown.by_language["en"], breakdown.by_language["da"]
    assert (english.conversations, english.turns, english.wasted, english.lost_tickets) == (
        2,
        5,
        2,
        0,
    )
    assert (danish.conversations, danish.turns, danish.wasted, danish.lost_tickets) == (2, 5, 2, 1)
    assert breakdown.by_cause == {"fallback": 2, "repeat": 1, "wrong answer": 1}
    assert sum(breakdown.by_cause.values()) == breakdown.overall.wasted
    # Issue items in numeric order (item 2 before item 10), then the rest.
    assert list(breakdown.by_covers) == ["item 2", "item 10", "help page"]
    assert breakdown.by_covers["item 2"].turns == 5
    assert break_down([]).overall.share == 0.0
    assert break_down([]).by_cause == {"fallback": 0, "repeat": 0, "wrong answer": 0}


def _results_with(breakdown=None, *, checked=True, note=""):
    from bench.results import Results

    results = Results(quick=True, machine="m", load_seconds=1, soak_seconds=1, think_time_s=(0, 0))
    results.conversation_tests = breakdown
    results.conversation_tests_tickets_checked = checked
    results.conversation_tests_note = note
    return results


def _row(text: str, label: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| {label} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_conversation_section_states_the_target_beside_each_language_and_overall():
    from bench.conversation_tests import break_down
    from bench.document import _conversation_tests, render

    text = _conversation_tests(_results_with(break_down(_played())))
    assert text.startswith("## Conversations as people type them\n")
    assert "target: under 5%" in text and "own tickets database" in text
    lines = text.splitlines()
    languages = [line.split("|")[1].strip() for line in lines if line.startswith("| ")]
    assert languages[:4] == ["language", ":---", "en", "da"]  # English first, as in the issue
    assert _row(text, "en") == ["en", "2", "0", "5", "2", "40.0%", "**not met**", "0"]
    assert _row(text, "da") == ["da", "2", "0", "5", "2", "40.0%", "**not met**", "1 (**not met**)"]
    assert _row(text, "overall")[1:] == [
        "4",
        "0",
        "10",
        "4",
        "40.0%",
        "**not met**",
        "1 (**not met**)",
    ]
    assert _row(text, 'fallback ("not sure")') == ['fallback ("not sure")', "2", "20.0%"]
    assert _row(text, "repeated reply (a loop)")[1:] == ["1", "10.0%"]
    assert _row(text, "wrong answer (an expectation missed)")[1:] == ["1", "10.0%"]
    assert _row(text, "all causes")[1:] == ["4", "40.0%"]
    assert _row(text, "item 10") == ["item 10", "1", "0", "3", "1", "33.3%"]
    assert _row(text, "help page") == ["help page", "1", "0", "2", "1", "50.0%"]
    # In the document, after the answer-quality sections.
    document = render(_results_with(break_down(_played())), "plot.png")
    assert document.index("## Answer quality: held-out") < document.index("## Conversations as")


def test_conversation_section_meets_the_target_and_says_when_tickets_were_not_checked():
    from bench.conversation_tests import ConversationResult, break_down
    from bench.document import _conversation_tests

    passing = [
        ConversationResult(_conversation("en", "item 1", f"c{n}"), [_turn()] * 20, [])
        for n in range(3)
    ]
    one_miss = ConversationResult(
        _conversation("en", "item 1", "miss"), [_turn(problems=["p"])] + [_turn()] * 39, []
    )
    text = _conversation_tests(_results_with(break_down([*passing, one_miss]), checked=False))
    assert _row(text, "en") == ["en", "4", "3", "100", "1", "1.0%", "met", "-"]
    assert not [line for line in text.splitlines() if line.startswith("| da |")]
    assert "not checked in this run" in text


def test_conversation_section_says_why_it_was_not_measured():
    from bench.document import _conversation_tests

    assert _conversation_tests(_results_with()) == ""  # a run from before it existed
    text = _conversation_tests(_results_with(note="Not played: MFA_DATABASE_URL."))
    assert "**Not measured in this run.** Not played: MFA_DATABASE_URL." in text


def test_conversations_are_sent_over_rest_and_an_error_is_an_empty_reply(monkeypatch):
    import httpx

    from bench.run import rest_sender

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/webhooks/rest/webhook"
        body = json.loads(request.content)
        if body["message"] == "boom":
            return httpx.Response(500, text="oops")
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": "hej"}])

    errors: list[str] = []
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        say = rest_sender("http://assistant/", client, errors)
        assert say("s1", "hi") == [{"recipient_id": "s1", "text": "hej"}]
        assert say("s1", "boom") == []
    assert errors == ["500: 'oops'"]


def _store_ticket(database_url: str, sender: str) -> None:
    from datetime import datetime, timezone

    from sqlalchemy.orm import Session

    from bot import db
    from bot.tickets.models import Ticket

    db.upgrade(database_url)
    engine, now = db.make_engine(database_url), datetime.now(timezone.utc)
    try:
        with Session(engine) as session:
            session.add(
                Ticket(
                    conversation_key=db.conversation_key(sender),
                    idempotency_key="k",
                    channel="rest",
                    name="Ida Thomsen",
                    username="ida",
                    summary="locked out",
                    contact_preference="call",
                    created_at=now,
                    updated_at=now,
                )
            )
            session.commit()
    finally:
        engine.dispose()


def test_the_tickets_database_is_read_only_when_it_is_the_runs_own(tmp_path, monkeypatch):
    from bench.run import tickets_database, tickets_reader

    monkeypatch.delenv("MFA_DATABASE_URL", raising=False)
    url = tickets_database(tmp_path)
    assert url == f"sqlite:///{tmp_path / 'assistant.db'}"
    references, close = tickets_reader(url)
    try:
        assert references("bench-conv-x") == []  # not migrated yet: no ticket yet
        _store_ticket(url, "bench-conv-x")
        assert references("bench-conv-x") == ["MFA-000001"]
        assert references("bench-conv-y") == []
    finally:
        close()
    monkeypatch.setenv("MFA_DATABASE_URL", "postgresql://someone@db/their_tickets")
    assert tickets_database(tmp_path) is None


def _closed_loop(latency_ms: float, answered: int, cpu_seconds: float):
    from bench.capacity import CapacityLevel
    from bench.load import LoadResult

    load = LoadResult(users=10, elapsed_s=10.0, latencies_ms=[latency_ms] * answered)
    return CapacityLevel(load, cpu_seconds)


def test_capacity_is_shown_against_stock_rasa_with_cpu_per_message_and_issue_18_verdicts():
    from bench.document import _capacity, _capacity_targets
    from bench.results import ProfileRun, Results

    results = Results(quick=True, machine="m", load_seconds=10, soak_seconds=5, think_time_s=(0, 0))
    results.stock_capacity = {10: _closed_loop(300.0, 400, 8.0)}  # 40 msg/s, 20 ms CPU each
    profile = ProfileRun("embedded default")
    profile.capacity = {10: _closed_loop(120.0, 1000, 10.0)}  # 100 msg/s, 10 ms CPU each
    results.profiles.append(profile)
    section = _capacity(results)
    assert (
        "| 10 | stock `rasa init` bot | 300 | 300 | 40.0 | 20.0 | 1.00x | 1.00x | 1.00x | 0 |"
        in (section)
    )
    assert "| 10 | embedded default | 120 | 120 | 100.0 | 10.0 | 0.40x | 2.50x | 0.50x | 0 |" in (
        section
    )
    p95, throughput = _capacity_targets(results)
    assert (p95[3], p95[4], throughput[3], throughput[4]) == ("0.40x", "met", "2.50x", "met")
    profile.capacity = {10: _closed_loop(200.0, 600, 10.0)}
    p95, throughput = _capacity_targets(results)
    assert (p95[4], throughput[4]) == ("**not met**", "**not met**")


def test_capacity_section_says_why_the_reference_is_missing():
    from bench.document import _capacity
    from bench.results import Results

    results = Results(quick=True, machine="m", load_seconds=10, soak_seconds=5, think_time_s=(0, 0))
    results.stock_capacity_note = "Not measured: `rasa init` failed"
    assert _capacity(results).endswith("Not measured: `rasa init` failed")


def test_cpu_time_of_a_process_tree_counts_its_children():
    import subprocess
    import sys
    import time

    from bench.capacity import cpu_seconds

    busy = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'sum(range(3 * 10**7))'])"
    parent = subprocess.Popen([sys.executable, "-c", busy + "; input()"], stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while cpu_seconds(parent.pid) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cpu_seconds(parent.pid) >= 0.3  # the child's sum, counted while it runs
    finally:
        parent.kill()
        parent.wait()


def test_recovery_is_until_every_user_has_an_answer_to_a_message_sent_after_the_death():
    import math

    from bench.failover import Failover, recovery, summarise
    from bench.load import LoadResult

    died = 100.0
    timeline = [
        (0, 99.0, 99.1, True),  # before: not counted
        (0, 99.9, 100.05, False),  # in flight on the dead replica: a 502
        (0, 100.05, 100.2, True),  # moved on at once
        (1, 99.95, 113.0, True),  # sent before the death, its lock held: not an answer after
        (1, 113.0, 113.1, True),  # the first answer to a message sent after the death
        (2, 100.5, 100.6, True),
    ]
    assert recovery(timeline, died) == pytest.approx(13.1)
    assert recovery([*timeline, (3, 100.5, 130.5, False)], died) == math.inf

    result = LoadResult(users=3, timeline=timeline)
    found = summarise(result, died, lock_lifetime_s=15)
    assert (found.requests, found.failed) == (6, 1)
    assert found.longest_wait_s == pytest.approx(13.05)
    assert found.met and found.bound_s == 18
    assert not Failover(10, 50, 2, 31.0, 14.0, 15).met  # a wait the widget gives up on
    assert not Failover(10, 50, 2, 20.0, 21.0, 15).met  # recovery past the bound


def test_the_failover_section_shows_failures_recovery_and_the_verdict():
    from bench.document import _failover
    from bench.failover import Failover
    from bench.results import ProfileRun, Results

    results = Results(quick=True, machine="m", load_seconds=10, soak_seconds=5, think_time_s=(0, 0))
    assert _failover(results) == ""
    profile = ProfileRun("production profile")
    profile.failover = Failover(10, 120, 3, 13.4, 13.9, 15)
    results.profiles.append(profile)
    section = _failover(results)
    row = "| production profile | 10 | 3 of 120 | 13.4 s | 13.9 s | 15 s | 0.93x | met |"
    assert row in section
    from bench.document import _failover_targets

    [target] = _failover_targets(results)
    assert target[1:] == [
        "13.9 s, longest wait 13.4 s, 3 of 120 requests without an answer",
        "15 s (lock lifetime)",
        "0.93x",
        "met",
    ]
