"""Posts: drop ``ix_posts_risk`` (risk). ``ix_posts_risk_id`` (risk, id) answers every look-up and order by risk the
plain index did, and each index on ``posts`` is one more B-tree insert per stored post: at 3.8M posts of the 10M
PostgreSQL build the writer's server process was the bottleneck (docs/benchmarks.md).

Revision ID: 0010_drop_posts_risk
Revises: 0009_review_decided
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0010_drop_posts_risk"
down_revision = "0009_review_decided"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_posts_risk", table_name="posts")


def downgrade() -> None:
    op.create_index("ix_posts_risk", "posts", ["risk"])
