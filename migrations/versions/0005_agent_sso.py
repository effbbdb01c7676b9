"""Console: agents who sign in with the university's identity provider (OpenID Connect).

An agent made by a first single sign-on carries the provider's stable subject id; such an
agent has no password of its own and no TOTP secret: the provider checked both factors.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as table:
        table.add_column(sa.Column("sso_subject", sa.String(255), nullable=True))
        table.create_unique_constraint("uq_agents_sso_subject", ["sso_subject"])


def downgrade() -> None:
    with op.batch_alter_table("agents") as table:
        table.drop_constraint("uq_agents_sso_subject", type_="unique")
        table.drop_column("sso_subject")
