"""The review queue: what people typed that the assistant missed, grouped, for content owners.

A message is queued when it was typed (a button press is the assistant's own words) and

- the assistant was unsure: it offered the likeliest topics or the servicedesk (outcome
  ``clarified`` or ``servicedesk``);
- its understanding was below ``LOW_CONFIDENCE``;
- the person said its answer did not help: the queued message is the *question* that got the
  answer, not the "No" (which says nothing about what to teach), i.e. the person's previous
  typed message whose topic is the one the feedback was about; a "No" with no such question
  left (deleted, or asked before the table existed) queues nothing;
- or the person's next message said it again in other words (``rephrased``).

The newest ``CANDIDATE_LIMIT`` such messages that nobody marked yet are grouped by similarity
(bot/insights/similarity.py), newest group first. A content owner's mark on a group is one row
per message in the assistant's database (bot/insights/marks.py); marked messages leave the
queue and wait for the export (bot/insights/training_export.py).

The messages live in the tracker database (insight_turns) and the marks in the assistant's,
so the two are joined here, in Python, over a bounded number of rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain import PROJECT_ROOT, load_domain
from bot.insights import tables
from bot.insights.marks import KINDS, NEW_TOPIC, NOTE_CHARS, TOPIC, ReviewMark
from bot.insights.similarity import group_alike
from bot.insights.tables import CLARIFIED, FEEDBACK, SERVICEDESK, TURNS
from bot.insights.turns import SMALL_TALK

# Below this the classifiers' best guess is a guess: it is the FallbackClassifier's threshold
# in config.yml, under which Rasa itself does not trust the intent. A message answered anyway
# at such a confidence (a context reading, a rule) is still worth a look, and one above it that
# was wrong shows up as unsure, "No" or rephrased instead.
LOW_CONFIDENCE = tables.LOW_CONFIDENCE
# How many queued messages are grouped at most: the newest ones. Grouping is linear in this,
# and a queue longer than a content owner reads in a sitting is no more use than its head.
CANDIDATE_LIMIT = 2000
EXAMPLES_SHOWN = 5
# Sender ids per IN (...) list when looking up the questions behind "No"s.
_CHUNK = 500

# Why a message is in the queue, as the page says it.
UNSURE, LOW, NOT_HELPFUL, REPHRASED = "unsure", "low confidence", "did not help", "rephrased"


@dataclass(frozen=True)
class QueuedMessage:
    turn_id: int
    sender_id: str
    at: datetime
    language: str
    text: str
    intent: str
    confidence: float
    reasons: frozenset[str]


@dataclass(frozen=True)
class QueueGroup:
    """Messages said alike (one language), newest first."""

    messages: tuple[QueuedMessage, ...]

    @property
    def count(self) -> int:
        return len(self.messages)

    @property
    def language(self) -> str:
        return self.messages[0].language

    @property
    def newest(self) -> datetime:
        return self.messages[0].at

    @property
    def turn_ids(self) -> list[int]:
        return [message.turn_id for message in self.messages]

    @property
    def examples(self) -> list[str]:
        """Up to ``EXAMPLES_SHOWN`` different texts, newest first."""
        return list(dict.fromkeys(message.text for message in self.messages))[:EXAMPLES_SHOWN]

    @property
    def reasons(self) -> list[tuple[str, int]]:
        counts = Counter(reason for message in self.messages for reason in message.reasons)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    @property
    def understood_as(self) -> list[tuple[str, int]]:
        """What the assistant took the messages for, likeliest first."""
        return Counter(message.intent for message in self.messages).most_common(3)


class AlreadyMarked(Exception):
    """Someone else marked some of these messages at the same moment."""


class BadMark(ValueError):
    """A mark the form should not have sent: unknown kind or topic, missing note."""


# --- reading the queue ------------------------------------------------------------------------

_COLUMNS = (
    TURNS.c.id,
    TURNS.c.sender_id,
    TURNS.c.at,
    TURNS.c.language,
    TURNS.c.text,
    TURNS.c.intent,
    TURNS.c.confidence,
    TURNS.c.outcome,
    TURNS.c.rephrased,
    TURNS.c.topic,
)
_NEWEST_FIRST = (TURNS.c.at.desc(), TURNS.c.id.desc())


def _reasons(row: Row) -> set[str]:
    reasons = set()
    if row.outcome in (CLARIFIED, SERVICEDESK):
        reasons.add(UNSURE)
    if row.confidence < LOW_CONFIDENCE:
        reasons.add(LOW)
    if row.rephrased:
        reasons.add(REPHRASED)
    return reasons


def _missed(connection: Connection, scan: int) -> dict[int, tuple[Row, set[str]]]:
    # tables.QUEUED is also the predicate of the index that reads these newest first.
    query = sa.select(*_COLUMNS).where(tables.QUEUED).order_by(*_NEWEST_FIRST).limit(scan)
    return {row.id: (row, _reasons(row)) for row in connection.execute(query)}


def _questions_behind_noes(connection: Connection, scan: int) -> list[Row]:
    """For each of the newest "No"s, the question whose answer it was about: the same
    person's latest typed question on that topic before it (one indexed lookup per "No")."""
    earlier = TURNS.alias("earlier")
    question = (
        sa.select(sa.func.max(earlier.c.id))
        .where(
            earlier.c.sender_id == TURNS.c.sender_id,
            earlier.c.topic == TURNS.c.topic,
            earlier.c.id < TURNS.c.id,
            earlier.c.typed == sa.true(),
            earlier.c.outcome != FEEDBACK,
        )
        .scalar_subquery()
    )
    noes = (
        sa.select(question.label("question"))
        .where(tables.NOT_HELPFUL, TURNS.c.topic.is_not(None))
        .order_by(*_NEWEST_FIRST)
        .limit(scan)
    )
    ids = sorted({found for (found,) in connection.execute(noes) if found is not None})
    rows: list[Row] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows += connection.execute(sa.select(*_COLUMNS).where(TURNS.c.id.in_(chunk))).all()
    return rows


def marked_keys(session: Session, turn_ids: Sequence[int] | None = None) -> set[tuple[int, str]]:
    """(turn id, sender id) of the marked messages (of ``turn_ids``, or all)."""
    query = sa.select(ReviewMark.turn_id, ReviewMark.sender_id)
    if turn_ids is not None:
        query = query.where(ReviewMark.turn_id.in_(turn_ids))
    return {(turn_id, sender_id) for turn_id, sender_id in session.execute(query)}


def queued_messages(
    tracker: Engine, session: Session, limit: int = CANDIDATE_LIMIT
) -> list[QueuedMessage]:
    """The newest ``limit`` queued messages nobody marked yet, newest first.

    Each query reads ``limit`` plus the number of marks rows: however many of them are marked,
    the newest ``limit`` unmarked ones are among them.
    """
    if not tables.exists(tracker):
        return []
    marked = marked_keys(session)
    scan = limit + len(marked)
    with tracker.connect() as connection:
        found = _missed(connection, scan)
        for row in _questions_behind_noes(connection, scan):
            found.setdefault(row.id, (row, set()))[1].add(NOT_HELPFUL)
    rows = sorted(found.values(), key=lambda item: (item[0].at, item[0].id), reverse=True)
    queued = [
        QueuedMessage(
            turn_id=row.id,
            sender_id=row.sender_id,
            at=row.at,
            language=row.language,
            text=row.text,
            intent=row.intent,
            confidence=row.confidence,
            reasons=frozenset(reasons),
        )
        for row, reasons in rows
        if (row.id, row.sender_id) not in marked
    ]
    return queued[:limit]


def build_queue(
    tracker: Engine, session: Session, limit: int = CANDIDATE_LIMIT
) -> list[QueueGroup]:
    """The queue as the page shows it: groups of messages said alike, newest group first."""
    return group_messages(queued_messages(tracker, session, limit))


def group_messages(messages: Sequence[QueuedMessage]) -> list[QueueGroup]:
    groups = group_alike(messages, text=lambda m: m.text, apart=lambda m: m.language)
    return [QueueGroup(tuple(group.items)) for group in groups]


def queue_counts(
    tracker: Engine, session: Session, limit: int = CANDIDATE_LIMIT
) -> tuple[int, int]:
    """(messages waiting for review, messages marked), for the insights page.

    Waiting ones are counted up to ``limit``, as many as the queue shows.
    """
    pending = len(queued_messages(tracker, session, limit))
    reviewed = session.execute(sa.select(sa.func.count()).select_from(ReviewMark)).scalar_one()
    return pending, int(reviewed)


# --- marking ----------------------------------------------------------------------------------


def topics(root: Path = PROJECT_ROOT) -> list[str]:
    """What a message can be marked as: every FAQ answer's key (``faq/<name>``, from its
    ``utter_faq/<name>`` response) and every intent that asks something (not small talk)."""
    domain = load_domain(root)
    faq = sorted(
        "faq/" + name.removeprefix("utter_faq/")
        for name in domain["responses"]
        if name.startswith("utter_faq/")
    )
    intents = sorted(
        name for name in domain.get("intents") or () if name not in SMALL_TALK and name != "faq"
    )
    return faq + intents


def mark(
    tracker: Engine,
    session: Session,
    turn_ids: Iterable[int],
    kind: str,
    topic: str,
    note: str,
    by: str,
    now: datetime,
) -> int:
    """Mark the typed messages ``turn_ids`` as ``kind``; returns how many were marked now.

    Messages marked before are left as they are (the first decision stands). Raises
    ``BadMark`` for a kind, topic or note the form does not allow, and ``AlreadyMarked`` when
    another content owner marked some of them at the same moment (nothing is marked then).
    """
    if kind not in KINDS:
        raise BadMark(f"Unknown mark {kind!r}.")
    if kind == TOPIC and topic not in topics():
        raise BadMark("Choose one of the assistant's topics.")
    if kind == NEW_TOPIC and not note:
        raise BadMark("Say in a note what the new topic is.")
    if len(note) > NOTE_CHARS:
        raise BadMark(f"The note is longer than {NOTE_CHARS} characters.")
    ids = sorted(set(turn_ids))
    if not ids or not tables.exists(tracker):
        return 0
    with tracker.connect() as connection:
        rows = connection.execute(
            sa.select(*_COLUMNS).where(TURNS.c.id.in_(ids), TURNS.c.typed)
        ).all()
    done = marked_keys(session, ids)
    new = [row for row in rows if (row.id, row.sender_id) not in done]
    for row in new:
        session.add(
            ReviewMark(
                turn_id=row.id,
                sender_id=row.sender_id,
                turn_at=row.at,
                language=row.language,
                text=row.text,
                kind=kind,
                topic=topic if kind == TOPIC else None,
                note=note if kind == NEW_TOPIC else None,
                marked_by=by,
                marked_at=now,
            )
        )
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise AlreadyMarked from error
    return len(new)


def recent_marks(session: Session, limit: int = 50) -> list[ReviewMark]:
    """The latest marks, newest first: what was decided, by whom, when."""
    query = sa.select(ReviewMark).order_by(ReviewMark.marked_at.desc(), ReviewMark.id.desc())
    return list(session.execute(query.limit(limit)).scalars())
