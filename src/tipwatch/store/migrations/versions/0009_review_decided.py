"""Review queue: ``posts.decided`` (true once a post has a decision), filled from the decisions so far, and the
queue's indexes led by it (the claim then starts at the riskiest undecided post instead of walking the decided ones).
``ix_posts_platform_risk`` gives way to ``ix_posts_platform_queue``.

Revision ID: 0009_review_decided
Revises: 0007_review
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_review_decided"
down_revision = "0007_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("decided", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE posts SET decided = true WHERE EXISTS (SELECT 1 FROM review_decisions d WHERE d.post_id = posts.id)"
    )
    op.drop_index("ix_posts_platform_risk", table_name="posts")
    op.create_index("ix_posts_queue", "posts", ["decided", "risk", "id"])
    op.create_index("ix_posts_platform_queue", "posts", ["platform", "decided", "risk", "id"])


def downgrade() -> None:
    op.drop_index("ix_posts_platform_queue", table_name="posts")
    op.drop_index("ix_posts_queue", table_name="posts")
    op.create_index("ix_posts_platform_risk", "posts", ["platform", "risk", "id"])
    # A plain DROP COLUMN (SQLite >= 3.35): a batch rebuild of posts would lose the search triggers on it.
    op.execute("ALTER TABLE posts DROP COLUMN decided")
