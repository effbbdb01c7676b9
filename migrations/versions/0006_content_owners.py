"""Console: the content-owner role, for the insights page and the review queue (issue 19).

Content owners read how the assistant does and teach it; agents work tickets; admins read the
security log. A person may hold any of the three.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as table:
        table.add_column(
            sa.Column("is_content_owner", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("agents") as table:
        table.drop_column("is_content_owner")
