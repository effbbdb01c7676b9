"""Practice secrets: one throwaway TOTP secret per conversation, keyed by a hash of its id.

Revision ID: 0001
Revises:
Create Date: 2025-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "practice_secrets",
        sa.Column("id", sa.Integer(), nullable=False),
        # sha256 hex of the conversation id: the raw id (e.g. a Telegram user id) is never stored.
        sa.Column("conversation_key", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_practice_secrets"),
        sa.UniqueConstraint("conversation_key", name="uq_practice_secrets_conversation_key"),
    )


def downgrade() -> None:
    op.drop_table("practice_secrets")
