"""Percentiles and ratios, kept free of I/O so they are unit-tested (tests/unit/test_bench.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks (numpy's default).

    NaN for no values, so an empty run shows as "-" instead of a made-up zero.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile out of range: {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(value: float, reference: float) -> float:
    """value / reference, NaN when either is missing or the reference is zero."""
    if math.isnan(value) or math.isnan(reference) or reference == 0:
        return math.nan
    return value / reference


@dataclass(frozen=True)
class LatencySummary:
    """What one load level produced: request latencies in ms over a wall-clock window."""

    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    throughput_per_s: float

    @classmethod
    def of(cls, latencies_ms: Sequence[float], elapsed_s: float) -> LatencySummary:
        return cls(
            requests=len(latencies_ms),
            p50_ms=percentile(latencies_ms, 50),
            p95_ms=percentile(latencies_ms, 95),
            p99_ms=percentile(latencies_ms, 99),
            throughput_per_s=len(latencies_ms) / elapsed_s if elapsed_s > 0 else math.nan,
        )
