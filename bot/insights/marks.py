"""The review queue's marks, in the assistant's database (migrations/versions/0007).

One row per marked message, not per group: a group is only how the queue page shows messages
said alike, and it changes as messages arrive, while a mark is a content owner's decision
about what one person asked. Each row keeps what the export needs (the redacted text and its
language), so the export works without the conversation, and the sender's id, so a person's
erasure (bot/privacy/) deletes their marks with everything else they said. Who marked it and
when are columns: a mark is never changed afterwards, so the row is its own audit line.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Text, UniqueConstraint

from bot.console.models import USERNAME_CHARS
from bot.db import Base, UtcDateTime

# What a content owner decided a message is.
TOPIC = "topic"  # an existing topic (``topic``): training data for that intent
NEW_TOPIC = "new_topic"  # a topic the assistant lacks: the ``note`` says which
OUT_OF_SCOPE = "out_of_scope"  # not about MFA: training data for out_of_scope
KINDS = (TOPIC, NEW_TOPIC, OUT_OF_SCOPE)
NOTE_CHARS = 500


class ReviewMark(Base):
    """A content owner's decision about one queued message."""

    __tablename__ = "review_marks"
    __table_args__ = (
        # A message is marked once: two owners marking the same group at the same moment get
        # one mark each message, the second is told it was marked already.
        UniqueConstraint("turn_id", "sender_id"),
    )

    id = Column(Integer, primary_key=True)
    # insight_turns.id in the tracker database (another database: no foreign key).
    turn_id = Column(Integer, nullable=False)
    sender_id = Column(String(255), nullable=False, index=True)
    turn_at = Column(UtcDateTime, nullable=False)
    language = Column(String(8), nullable=False)
    text = Column(Text, nullable=False)  # as stored in the conversation: redacted
    kind = Column(String(16), nullable=False)
    topic = Column(String(80), nullable=True)  # faq/<name> or an intent, for TOPIC
    note = Column(Text, nullable=True)  # what the new topic is, for NEW_TOPIC
    marked_by = Column(String(USERNAME_CHARS), nullable=False)
    marked_at = Column(UtcDateTime, nullable=False)

    @property
    def intent(self) -> str | None:
        """The intent this message trains: its topic, out_of_scope, or None (a new topic)."""
        if self.kind == TOPIC:
            return self.topic
        return "out_of_scope" if self.kind == OUT_OF_SCOPE else None
