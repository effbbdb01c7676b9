"""The benchmark's pure parts: percentiles, ratios and the tables docs/benchmarks.md shows."""

from __future__ import annotations

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
    assert role_of(["python", "-m", "rasa_sdk", "--actions", "actions"]) == "action server"
    assert role_of(["python", "-m", "bot", "outbox"]) == "outbox worker"
    assert role_of(["python", "-m", "bot", "console"]) == "console"
    assert role_of(["nginx: worker process"]) == "nginx worker"
    assert role_of(["python", "-m", "bot", "run"]) == "runner"
    assert role_of(["python", "-m", "bot.rasa_server", "run", "--port", "5005"]) == "Rasa server"


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
