"""Link: the link state kept in the store (one row per part), for deployments without a shared state directory.

Revision ID: 0005_link_state
Revises: 0004_link_watch
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_link_state"
down_revision = "0004_link_watch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_state_parts",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_link_state_parts"),
    )


def downgrade() -> None:
    op.drop_table("link_state_parts")
