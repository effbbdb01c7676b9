"""The insights' table in the tracker database: one row per user message.

It sits beside Rasa's ``events`` table, in the same database, because the tracker store writes
both in one transaction: a message is in both or in neither, and the figures never count a
message the conversation does not hold. Like ``events`` it is created by the store on start
(no Alembic: the tracker database is Rasa's), and it goes with the conversation: retention
and a person's erasure delete a sender's rows from both tables.

Rows are facts already decided when the message was answered (outcome, topic, feedback), so
the insights page only counts and groups; the day and hour are the servicedesk's local ones,
stored, so grouping by them needs no time-zone arithmetic in SQL on any database.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.db import UtcDateTime

METADATA = sa.MetaData()

# What the assistant did with a message, from best to worst for the person (turns.py decides).
ANSWERED = "answered"  # an answer, a walkthrough step, small talk: anything but the below
FEEDBACK = "feedback"  # the message was a "did this help?" answer or a rating
CLARIFIED = "clarified"  # not sure: the likeliest topics offered as buttons
SERVICEDESK = "servicedesk"  # not understood twice: the servicedesk offered
HANDOFF = "handoff"  # a ticket for the servicedesk offered
TICKET = "ticket"  # a ticket created
OUTCOMES = (ANSWERED, FEEDBACK, CLARIFIED, SERVICEDESK, HANDOFF, TICKET)

TURNS = sa.Table(
    "insight_turns",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("at", UtcDateTime, nullable=False),
    # The servicedesk's local calendar day, hour (0-23) and weekday (0 = Monday).
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("hour", sa.SmallInteger, nullable=False),
    sa.Column("weekday", sa.SmallInteger, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    # As stored in the conversation: redacted (bot/safety.py). A button's payload when pressed.
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("typed", sa.Boolean, nullable=False),  # False for a button press
    sa.Column("intent", sa.String(80), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    # What was answered ("faq/lost_phone", "walkthrough/first_setup", "ticket", an intent), or,
    # for feedback, what the feedback was about. None for small talk.
    sa.Column("topic", sa.String(80), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("helpful", sa.Boolean, nullable=True),  # "Did this help?" Yes / No
    sa.Column("rating", sa.SmallInteger, nullable=True),  # 1-5 after a walkthrough or ticket
    # The person's next message said the same again in other words: this one was missed.
    sa.Column("rephrased", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_insight_turns_day", "day"),
)

# The insights page's figures (figures.py) and their indexes: partial ones for the few rows
# a figure reads (feedback, misunderstood messages), and ones that hold every column a
# figure groups by, so PostgreSQL counts from the index without reading the rows' texts.
FEEDBACK_GIVEN = sa.or_(TURNS.c.helpful.is_not(None), TURNS.c.rating.is_not(None))
# Typed, and either not understood (did you mean / the servicedesk) or said again.
MISSED = sa.and_(
    TURNS.c.typed == sa.true(),
    sa.or_(TURNS.c.outcome.in_((CLARIFIED, SERVICEDESK)), TURNS.c.rephrased == sa.true()),
)
# The review queue (review.py): typed questions (not feedback) that were not understood, had a
# low confidence or were said again, and the "No"s, each read newest first.
LOW_CONFIDENCE = 0.5  # as the FallbackClassifier's threshold in config.yml
QUEUED = sa.and_(
    TURNS.c.typed == sa.true(),
    TURNS.c.outcome != FEEDBACK,
    sa.or_(
        TURNS.c.outcome.in_((CLARIFIED, SERVICEDESK)),
        TURNS.c.confidence < LOW_CONFIDENCE,
        TURNS.c.rephrased == sa.true(),
    ),
)
NOT_HELPFUL = sa.and_(TURNS.c.outcome == FEEDBACK, TURNS.c.helpful == sa.false())
for _name, _columns, _where in (
    ("queued", ("at", "id"), QUEUED),
    ("noes", ("at", "id"), NOT_HELPFUL),
    ("feedback", ("day",), FEEDBACK_GIVEN),
    ("missed", ("day",), MISSED),
    ("hours", ("day", "weekday", "hour"), None),
    ("topics", ("day", "topic", "outcome"), None),
    ("conversations", ("day", "sender_id", "outcome", "typed"), None),
):
    sa.Index(
        f"ix_insight_turns_{_name}",
        *(TURNS.c[column] for column in _columns),
        postgresql_where=_where,
        sqlite_where=_where,
    )


def ensure_tables(engine: Engine) -> None:
    """Create the table and its indexes where they are missing (as Rasa does for ``events``).

    Indexes one by one too: a table made by an earlier release lacks the newer ones.
    """
    METADATA.create_all(engine, checkfirst=True)
    for index in TURNS.indexes:
        index.create(engine, checkfirst=True)


def exists(engine: Engine) -> bool:
    """Has any store created the table yet? (A new tracker database has none.)"""
    return sa.inspect(engine).has_table(TURNS.name)
