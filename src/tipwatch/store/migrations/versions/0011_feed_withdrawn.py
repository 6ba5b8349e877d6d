"""Feeds: an indicator a partner revokes or lets expire is withdrawn (its watch stopped), and the STIX version that
set a row's state is kept, so an older version read later does not bring a revoked value back.

Revision ID: 0011_feed_withdrawn
Revises: 0010_feeds
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_feed_withdrawn"
down_revision = "0010_feeds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_indicators") as batch:
        batch.add_column(sa.Column("modified", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_why", sa.String(200), nullable=True))
    op.create_index("ix_feed_indicators_stix", "feed_indicators", ["feed", "stix_id"])


def downgrade() -> None:
    op.drop_index("ix_feed_indicators_stix", table_name="feed_indicators")
    with op.batch_alter_table("feed_indicators") as batch:
        batch.drop_column("withdrawn_why")
        batch.drop_column("withdrawn_at")
        batch.drop_column("modified")
