"""Feeds: indicators pulled from partners' TAXII 2.1 collections, the pulls, and the objects they refused.

Revision ID: 0010_feeds
Revises: 0009_exchange
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_feeds"
down_revision = "0009_exchange"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_pulls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feed", sa.String(500), nullable=False),
        sa.Column("source", sa.String(2000), nullable=False),
        sa.Column("collection", sa.String(200), nullable=False),
        sa.Column("added_after", sa.String(40), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("already", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_pulls"),
    )
    op.create_index("ix_feed_pulls_feed", "feed_pulls", ["feed"])
    op.create_table(
        "feed_indicators",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feed", sa.String(500), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("stix_id", sa.String(200), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("pull_id", sa.Integer(), nullable=False),
        sa.Column("tlp", sa.String(32), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pulled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_indicators"),
        sa.UniqueConstraint("feed", "kind", "value", name="uq_feed_indicators_value"),
    )
    op.create_index("ix_feed_indicators_watch", "feed_indicators", ["watch_id"])
    op.create_table(
        "feed_rejects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pull_id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feed_rejects"),
    )
    op.create_index("ix_feed_rejects_pull", "feed_rejects", ["pull_id"])


def downgrade() -> None:
    op.drop_table("feed_rejects")
    op.drop_table("feed_indicators")
    op.drop_table("feed_pulls")
