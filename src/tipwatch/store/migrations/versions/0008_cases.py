"""Cases: cases, their posts and networks, notes and events.

Revision ID: 0008_cases
Revises: 0001_core
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_cases"
down_revision = "0001_core"
branch_labels = ("cases",)
depends_on = None


def _case_fk(table: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "case_id",
        sa.Integer(),
        sa.ForeignKey("cases.id", ondelete="CASCADE", name=f"fk_{table}_case_id_cases"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(200)),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
    )
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_index("ix_cases_assignee", "cases", ["assignee"])
    op.create_table(
        "case_posts",
        _case_fk("case_posts"),
        sa.Column(
            "post_id",
            sa.String(128),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_case_posts_post_id_posts"),
            nullable=False,
        ),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "post_id", name="pk_case_posts"),
    )
    op.create_index("ix_case_posts_post_id", "case_posts", ["post_id"])
    op.create_table(
        "case_networks",
        _case_fk("case_networks"),
        sa.Column("network_id", sa.String(32), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "network_id", name="pk_case_networks"),
    )
    op.create_index("ix_case_networks_network_id", "case_networks", ["network_id"])
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _case_fk("case_notes"),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_notes"),
    )
    op.create_index("ix_case_notes_case_id", "case_notes", ["case_id"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _case_fk("case_events"),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("old", sa.Text()),
        sa.Column("new", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_events"),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])


def downgrade() -> None:
    for table in ("case_events", "case_notes", "case_networks", "case_posts", "cases"):
        op.drop_table(table)
