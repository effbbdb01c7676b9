"""What one benchmark run measured, gathered by bench/run.py and rendered by bench/document.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.capacity import CapacityLevel
from bench.conversation_tests import WastedBreakdown
from bench.failover import Failover
from bench.insights import InsightsBench
from bench.load import LoadResult
from bench.training import Training

USER_LEVELS = (1, 10, 50)


@dataclass
class Level:
    """One load level: the realistic conversations and the 'hi' reference at the same users."""

    conversations: LoadResult
    reference: LoadResult
    missing_from_store: int | None = None  # answered but not stored (None: not checked)


@dataclass
class ProfileRun:
    name: str
    cold_start_s: float = float("nan")
    levels: dict[int, Level] = field(default_factory=dict)
    soak: LoadResult | None = None
    soak_missing_from_store: int | None = None
    idle_rss: dict[str, int] = field(default_factory=dict)  # process -> bytes after start-up
    peak_rss: dict[str, int] = field(default_factory=dict)  # process -> bytes, whole run
    long_conversation: dict[int, float] | None = None
    long_conversation_note: str = ""
    sample_answers: list[str] = field(default_factory=list)
    capacity: dict[int, CapacityLevel] = field(default_factory=dict)  # closed-loop users -> level
    failover: Failover | None = None  # a replica killed under load (production profile)


@dataclass
class Results:
    quick: bool
    machine: str
    load_seconds: float
    soak_seconds: float
    think_time_s: tuple[float, float]
    quality: dict[str, dict[str, float]] = field(default_factory=dict)
    quality_reference: dict[str, dict[str, float]] | None = None
    # corpus -> "model" | "keyword search" | "reference" -> counts and shares (bench/quality.py)
    real_questions: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    reference_note: str = ""
    training_project: Training | None = None
    training_reference: Training | None = None
    stock_cold_start_s: float = float("nan")
    stock_peak_rss: int | None = None
    stock_reference: LoadResult | None = None
    # `rasa init`'s bot under the closed-loop levels (bench/capacity.py), or why not measured
    stock_capacity: dict[int, CapacityLevel] = field(default_factory=dict)
    stock_capacity_note: str = ""
    profiles: list[ProfileRun] = field(default_factory=list)
    production_note: str = ""
    # tests/conversations played against the embedded default (bench/conversation_tests.py)
    conversation_tests: WastedBreakdown | None = None
    conversation_tests_tickets_checked: bool = False  # its tickets database was read
    conversation_tests_note: str = ""  # why not measured, or what limited the measurement
    # GET /insights on 1,000 and 100,000 conversations (bench/insights.py), or why not measured
    insights: InsightsBench | None = None
    insights_note: str = ""
    total_seconds: float = 0.0
