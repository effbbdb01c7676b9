"""The benchmark's figure: latency under load, latency against conversation length, accuracy.

Written with matplotlib's Agg backend (no display needed) and without a creation date in the
PNG's metadata, so the file only changes in git when a figure does.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after use(): the backend must be chosen first

# Stock Rasa 3.6, rasa init's bot, in-memory tracker store, this machine (issue 8).
STOCK_RASA_TURN_P50_MS = {1: 38.0, 50: 117.0, 100: 174.0, 200: 363.0}


def draw(
    path: Path,
    load_p95: Mapping[str, Mapping[int, tuple[float, float]]],
    turns_p50: Mapping[str, Mapping[int, float]],
    accuracy: Mapping[str, Mapping[str, float]],
) -> None:
    """load_p95: profile -> users -> (p95 conversations, p95 reference);
    turns_p50: profile -> turn -> p50 ms; accuracy: model -> language -> accuracy."""
    figure, (load_axes, turn_axes, quality_axes) = plt.subplots(1, 3, figsize=(15, 4.6))

    for profile, levels in load_p95.items():
        users = sorted(levels)
        line = load_axes.plot(users, [levels[u][0] for u in users], "o-", label=profile)[0]
        load_axes.plot(
            users,
            [levels[u][1] for u in users],
            "o--",
            color=line.get_color(),
            alpha=0.6,
            label=f"{profile}: reference ('hi')",
        )
    load_axes.axhline(150, color="grey", linestyle=":", label="target at 10 users: 150 ms")
    load_axes.set(
        title="p95 latency of REST round trips",
        xlabel="concurrent simulated users",
        ylabel="ms",
        xscale="log",
    )
    load_axes.set_xticks([1, 10, 50], ["1", "10", "50"])
    load_axes.legend(fontsize=8)

    stock = sorted(STOCK_RASA_TURN_P50_MS)
    turn_axes.plot(
        stock,
        [STOCK_RASA_TURN_P50_MS[t] for t in stock],
        "k--",
        label="stock Rasa 3.6 (issue 8)",
    )
    for profile, points in turns_p50.items():
        turns = sorted(points)
        turn_axes.plot(turns, [points[t] for t in turns], "o-", label=profile)
    if not turns_p50:
        turn_axes.text(100, 200, "not measured yet", ha="center", color="grey")
    turn_axes.set(
        title="p50 latency against conversation length",
        xlabel="turn of one conversation",
        ylabel="ms",
    )
    turn_axes.set_ylim(bottom=0)
    turn_axes.legend(fontsize=8)

    models = list(accuracy)
    languages = sorted({language for scores in accuracy.values() for language in scores})
    width = 0.8 / max(1, len(models))
    for index, model in enumerate(models):
        xs = [i + index * width for i in range(len(languages))]
        values = [accuracy[model].get(language, 0.0) * 100 for language in languages]
        quality_axes.bar(xs, values, width, label=model)
    quality_axes.set_xticks(
        [i + width * (len(models) - 1) / 2 for i in range(len(languages))], languages
    )
    quality_axes.set(title="held-out paraphrase accuracy", ylabel="%", ylim=(0, 100))
    quality_axes.legend(fontsize=8, loc="lower right")

    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(figure)
