"""Exchange: the sealed keys of partner sharing groups.

Revision ID: 0009_exchange
Revises: 0001_core
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_exchange"
down_revision = "0001_core"
branch_labels = ("exchange",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_keys",
        sa.Column("group_name", sa.String(100), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("group_name", "key_id", name="pk_exchange_keys"),
    )
    op.create_index("ix_exchange_keys_created_at", "exchange_keys", ["created_at"])


def downgrade() -> None:
    op.drop_table("exchange_keys")
