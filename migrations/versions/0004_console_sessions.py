"""Console: server-side sessions, failures per address, admins, TOTP secrets encrypted at rest.

The stored TOTP secrets are encrypted here with the console's TOTP key (MFA_CONSOLE_TOTP_KEY,
or var_dir/console-totp-key, made if missing), so run this migration with the settings the
console runs with; the downgrade decrypts them again. Offline (``--sql``) they cannot be
rewritten: the SQL says so in a comment.

Revision ID: 0004
Revises: 0003
Create Date: 2026-02-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from bot.console.keys import totp_box
from bot.settings import get_settings

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rewrite_secrets(seal: bool) -> None:
    """Encrypt (``seal``) or decrypt every stored TOTP secret; the key is read only if any."""
    if context.is_offline_mode():
        op.execute(
            "-- 0004: stored TOTP secrets are NOT rewritten in --sql mode; run this revision "
            "online, or reset the agents' TOTP (python -m bot agent reset-totp)"
        )
        return
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, totp_secret FROM agents WHERE totp_secret IS NOT NULL")
    ).all()
    if not rows:
        return
    box = totp_box(get_settings())
    change = box.seal if seal else box.open
    for agent_id, secret in rows:
        connection.execute(
            sa.text("UPDATE agents SET totp_secret = :secret WHERE id = :id"),
            {"secret": change(secret), "id": agent_id},
        )


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.alter_column(
            "totp_secret",
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=True,
        )
        batch.add_column(
            sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    _rewrite_secrets(seal=True)

    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        # sha256 hex of the cookie's token: the table alone signs nobody in.
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        # NULL between the password and the code.
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrol_secret", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name="fk_console_sessions_agent_id_agents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_console_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_console_sessions_token_hash"),
    )
    op.create_index("ix_console_sessions_agent_id", "console_sessions", ["agent_id"])
    op.create_index("ix_console_sessions_expires_at", "console_sessions", ["expires_at"])

    op.create_table(
        "sign_in_addresses",
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("address", name="pk_sign_in_addresses"),
    )


def downgrade() -> None:
    op.drop_table("sign_in_addresses")
    op.drop_index("ix_console_sessions_expires_at", table_name="console_sessions")
    op.drop_index("ix_console_sessions_agent_id", table_name="console_sessions")
    op.drop_table("console_sessions")
    _rewrite_secrets(seal=False)
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("is_admin")
        batch.alter_column(
            "totp_secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
