"""The insights page's charts and CSV cells: people's words shown as text, never as markup or
as spreadsheet formulas."""

from __future__ import annotations

import csv
import io

from bot.insights import charts, present
from bot.insights.present import COUNT, TEXT, Column, Section


def test_chart_labels_are_escaped() -> None:
    svg = str(charts.ranked("Top <b>", ["<script>alert(1)</script>"], [3], unit="Times"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<title id=" in svg and 'role="img"' in svg and "Top &lt;b&gt;" in svg


def test_charts_without_values_still_draw() -> None:
    assert "Nothing in this period" in str(charts.ranked("Topics", [], [], unit="Messages"))
    assert "<svg" in str(charts.bars("Days", [], [], x_label="Day", y_label="Conversations"))
    lines = charts.lines("Rates", ["a", "b"], {"Containment": [None, None]}, x_label="Day")
    assert "<polyline" not in str(lines)


def test_csv_cells_that_look_like_formulas_are_quoted() -> None:
    section = Section(
        "misunderstood",
        "Misses",
        "",
        [Column("Message", TEXT), Column("Times", COUNT)],
        [['=HYPERLINK("http://evil")', 2], ["-1+1", 1], ["plain, with comma", 1]],
    )
    rows = list(csv.reader(io.StringIO(present.csv_text(section))))
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "2"]
    assert rows[2][0] == "'-1+1" and rows[3][0] == "plain, with comma"


def test_shown_values() -> None:
    assert present.shown(None, present.SHARE) == "-"
    assert present.shown(0.5, present.SHARE) == "50.0%"
    assert present.shown(12345, COUNT) == "12,345"
