"""Review queue: leases and decisions; indexes on posts for the queue's order.

Revision ID: 0007_review
Revises: 0001_core
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_review"
down_revision = "0001_core"
branch_labels = ("review",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_leases",
        sa.Column(
            "post_id",
            sa.String(128),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_review_leases_post_id_posts"),
            nullable=False,
        ),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("leased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("post_id", name="pk_review_leases"),
    )
    op.create_index("ix_review_leases_reviewer", "review_leases", ["reviewer"])
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "post_id",
            sa.String(128),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_review_decisions_post_id_posts"),
            nullable=False,
        ),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("label", sa.Integer()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_decisions"),
    )
    op.create_index("ix_review_decisions_post_id", "review_decisions", ["post_id"])
    op.create_index("ix_posts_risk_id", "posts", ["risk", "id"])
    op.create_index("ix_posts_platform_risk", "posts", ["platform", "risk", "id"])


def downgrade() -> None:
    op.drop_index("ix_posts_platform_risk", table_name="posts")
    op.drop_index("ix_posts_risk_id", table_name="posts")
    op.drop_table("review_decisions")
    op.drop_table("review_leases")
