"""Markdown tables with a value, its reference and their ratio side by side (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Sequence

MISSING = "-"


def number(value: float | None, digits: int = 0, unit: str = "") -> str:
    """A figure for a table cell; missing values (None, NaN) show as "-" rather than 0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    suffix = f" {unit}" if unit else ""
    return f"{value:,.{digits}f}{suffix}"


def percent(value: float | None) -> str:
    if value is None or math.isnan(value):
        return MISSING
    return f"{value:.1%}"


def times(value: float | None) -> str:
    """A ratio as "1.25x": how many times the reference."""
    if value is None or math.isnan(value):
        return MISSING
    return f"{value:.2f}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub table: first column left-aligned (labels), the rest right-aligned (figures)."""
    if any(len(row) != len(headers) for row in rows):
        raise ValueError("every row needs one cell per header")
    align = [":---"] + ["---:"] * (len(headers) - 1)
    lines = [headers, align, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def compared_row(
    label: str, value: float, reference: float, digits: int = 0, unit: str = ""
) -> list[str]:
    """[label, value, reference, value/reference] for a table of measured-vs-reference."""
    from bench.stats import ratio

    return [
        label,
        number(value, digits, unit),
        number(reference, digits, unit),
        times(ratio(value, reference)),
    ]
