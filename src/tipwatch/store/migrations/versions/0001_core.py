"""Core tables: runs, posts, identifiers, indicator hits, quarantine, labels.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("model", sa.String(200)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_table(
        "posts",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id", name="fk_posts_run_id_runs"), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("position", sa.String(200), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("platform", sa.String(100)),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True)),
        sa.Column("location", sa.Text()),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("indicator_risk", sa.Float()),
        sa.Column("classifier_risk", sa.Float()),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_posts"),
    )
    op.create_index("ix_posts_risk", "posts", ["risk"])
    op.create_index("ix_posts_posted_at", "posts", ["posted_at"])
    op.create_table(
        "identifiers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "post_id",
            sa.String(128),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_identifiers_post_id_posts"),
            nullable=False,
        ),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("obfuscated", sa.Boolean(), nullable=False),
        sa.Column("attrs", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_identifiers"),
    )
    op.create_index("ix_identifiers_type_value", "identifiers", ["type", "value"])
    op.create_index("ix_identifiers_post_id", "identifiers", ["post_id"])
    op.create_table(
        "indicator_hits",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "post_id",
            sa.String(128),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_indicator_hits_post_id_posts"),
            nullable=False,
        ),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("domain", sa.String(32), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_indicator_hits"),
    )
    op.create_index("ix_indicator_hits_post_id", "indicator_hits", ["post_id"])
    op.create_index("ix_indicator_hits_code", "indicator_hits", ["code"])
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id", name="fk_quarantine_run_id_runs"), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("position", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
        sa.UniqueConstraint("key", name="uq_quarantine_key"),
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "post_id",
            sa.String(128),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_labels_post_id_posts"),
            nullable=False,
        ),
        sa.Column("label", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_labels"),
    )
    op.create_index("ix_labels_post_id", "labels", ["post_id"])


def downgrade() -> None:
    for table in ("labels", "quarantine", "indicator_hits", "identifiers", "posts", "runs"):
        op.drop_table(table)
