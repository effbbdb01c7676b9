"""The insights page's charts as inline SVG, drawn here rather than by matplotlib.

Measured: matplotlib's SVG of one small bar chart takes tens of milliseconds, and the page
has eight charts and a one-second budget; and its SVG styles itself with style attributes,
which the console's Content-Security-Policy (no inline styles) would block. These charts are
a few dozen elements each, styled by classes from console.css, and accessible: role="img",
a <title> and a <desc> that say what the chart shows (the table under it holds every value),
and axis labels as text. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from itertools import count

from markupsafe import Markup

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 36, 56
_ids = count(1)


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _frame(title: str, description: str, body: list[str], height: int = HEIGHT) -> Markup:
    """The <svg> with its accessible name and description around ``body``."""
    key = f"chart{next(_ids)}"
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{key}-title {key}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(description)}</desc>'
        f'<text class="chart-title" x="{LEFT}" y="20">{escape(title)}</text>'
        + "".join(body)
        + "</svg>"
    )


def _axes(top: float, x_label: str, y_label: str, height: int = HEIGHT) -> list[str]:
    """Axis lines, the y scale at 0, half and top, and both axis labels."""
    bottom, right = height - BOTTOM, WIDTH - RIGHT
    parts = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}"/>',
        f'<text class="axis-label" x="{(LEFT + right) / 2}" y="{height - 6}" '
        f'text-anchor="middle">{escape(x_label)}</text>',
        f'<text class="axis-label" x="14" y="{(TOP + bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(TOP + bottom) / 2})">{escape(y_label)}</text>',
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = bottom - fraction * (bottom - TOP)
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_number(top * fraction))}</text>"
        )
        if fraction:
            parts.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>')
    return parts


def _tick_labels(labels: Sequence[str], step: float, bottom: float) -> list[str]:
    """Category labels under the bars, thinned out to about 14 so they never overlap."""
    every = max(1, -(-len(labels) // 14))
    return [
        f'<text class="tick" x="{LEFT + step * (i + 0.5):.1f}" y="{bottom + 16}" '
        f'text-anchor="middle">{escape(label)}</text>'
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def bars(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    x_label: str,
    y_label: str,
    description: str = "",
) -> Markup:
    """Vertical bars, one per label (days, weeks, ratings)."""
    top = max([*values, 1])
    bottom = HEIGHT - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(len(values), 1)
    body = _axes(top, x_label, y_label)
    for i, value in enumerate(values):
        h = (bottom - TOP) * value / top
        body.append(
            f'<rect class="bar" x="{LEFT + step * i + step * 0.15:.1f}" y="{bottom - h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{h:.1f}"><title>{escape(labels[i])}: '
            f"{escape(_number(value))}</title></rect>"
        )
    body += _tick_labels(labels, step, bottom)
    return _frame(title, description or f"{y_label} by {x_label.lower()}.", body)


def lines(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    x_label: str,
    description: str = "",
) -> Markup:
    """Shares (0 to 1) as lines with a legend; a missing value (nothing to divide) is a gap."""
    bottom = HEIGHT - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = _axes(100, x_label, "Percent")
    for number, (name, values) in enumerate(series.items()):
        points = [
            f"{LEFT + step * (i + 0.5):.1f},{bottom - (bottom - TOP) * v:.1f}"
            for i, v in enumerate(values)
            if v is not None
        ]
        if points:
            body.append(f'<polyline class="line line-{number}" points="{" ".join(points)}"/>')
            for point in points:
                x, y = point.split(",")
                body.append(f'<circle class="dot line-{number}" cx="{x}" cy="{y}" r="3"/>')
        x = LEFT + 200 + 170 * number
        body.append(
            f'<rect class="key line-{number}" x="{x}" y="10" width="12" height="12"/>'
            f'<text class="legend" x="{x + 16}" y="20">{escape(name)}</text>'
        )
    body += _tick_labels(labels, step, bottom)
    return _frame(title, description or f"{', '.join(series)} by {x_label.lower()}.", body)


def ranked(
    title: str, labels: Sequence[str], values: Sequence[float], *, unit: str, percent: bool = False
) -> Markup:
    """Horizontal bars, largest first (topics, misunderstood messages, helpfulness)."""
    row, label_width = 24, 300
    height = TOP + row * max(len(values), 1) + 30
    top = 1.0 if percent else max([*values, 1])
    span = WIDTH - label_width - RIGHT - 60
    body = []
    for i, value in enumerate(values):
        y = TOP + row * i
        text = labels[i] if len(labels[i]) <= 44 else labels[i][:43] + "…"
        shown = f"{value:.0%}" if percent else _number(value)
        body.append(
            f'<text class="tick" x="{label_width - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(text)}</text>"
            f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{span * value / top:.1f}" '
            f'height="{row - 8}"><title>{escape(labels[i])}: {escape(shown)}</title></rect>'
            f'<text class="tick" x="{label_width + span * value / top + 6:.1f}" y="{y + 16}">'
            f"{escape(shown)}</text>"
        )
    if not values:
        body.append(f'<text class="tick" x="{LEFT}" y="{TOP + 16}">Nothing in this period.</text>')
    description = f"{unit}, {len(values)} rows, largest first."
    return _frame(title, description, body, height)


def heatmap(
    title: str,
    rows: Sequence[str],
    counts: Sequence[Sequence[int]],
    open_cells: Sequence[Sequence[bool]],
    *,
    description: str,
) -> Markup:
    """Messages per weekday and hour: darker is busier; open hours outlined."""
    cell_w, cell_h, left = (WIDTH - 60 - RIGHT) / 24, 24, 60
    height = TOP + cell_h * len(rows) + 44
    top = max([max(row) for row in counts] + [1])
    body = []
    for day, name in enumerate(rows):
        y = TOP + cell_h * day
        body.append(
            f'<text class="tick" x="{left - 6}" y="{y + 16}" text-anchor="end">'
            f"{escape(name)}</text>"
        )
        for hour, value in enumerate(counts[day]):
            level = 0 if not value else 1 + min(4, int(5 * value / (top + 1)))
            state = " open" if open_cells[day][hour] else ""
            body.append(
                f'<rect class="cell level-{level}{state}" x="{left + cell_w * hour:.1f}" y="{y}" '
                f'width="{cell_w - 2:.1f}" height="{cell_h - 2}"><title>{escape(name)} '
                f"{hour:02d}:00-{hour + 1:02d}:00: {value:,} messages"
                f"{' (open)' if state else ''}</title></rect>"
            )
    bottom = TOP + cell_h * len(rows)
    body += [
        f'<text class="tick" x="{left + cell_w * (hour + 0.5):.1f}" y="{bottom + 14}" '
        f'text-anchor="middle">{hour}</text>'
        for hour in range(0, 24, 2)
    ]
    body.append(
        f'<text class="axis-label" x="{left + cell_w * 12}" y="{bottom + 36}" text-anchor="middle">'
        "Local hour (outlined: the servicedesk is open)</text>"
    )
    return _frame(title, description, body, height)
