"""Link: watchlist and alerts.

Revision ID: 0004_link_watch
Revises: 0003_link
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_link_watch"
down_revision = "0003_link"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_watches"),
    )
    op.create_index("ix_watches_kind_value", "watches", ["kind", "value"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "watch_id",
            sa.Integer(),
            sa.ForeignKey("watches.id", ondelete="CASCADE", name="fk_alerts_watch_id_watches"),
            nullable=False,
        ),
        sa.Column(
            "post_id",
            sa.String(128),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_alerts_post_id_posts"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("watch_id", "post_id", name="uq_alerts_watch_id"),
    )
    op.create_index("ix_alerts_post_id", "alerts", ["post_id"])


def downgrade() -> None:
    op.drop_table("alerts")
    op.drop_table("watches")
