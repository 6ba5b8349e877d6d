"""Notices: takedown notices, their URLs and events.

Revision ID: 0009_notices
Revises: 0001_core
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_notices"
down_revision = "0001_core"
branch_labels = ("notices",)
depends_on = None


def _notice_fk(table: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "notice_id",
        sa.Integer(),
        sa.ForeignKey("notices.id", ondelete="CASCADE", name=f"fk_{table}_notice_id_notices"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("platform_name", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(2000), nullable=False),
        sa.Column("trusted_flagger", sa.Boolean(), nullable=False),
        sa.Column("csam", sa.Boolean(), nullable=False),
        sa.Column("notifier_name", sa.String(200)),
        sa.Column("notifier_email", sa.String(320)),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("drafted_by", sa.String(200), nullable=False),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("sent_by", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("overdue_at", sa.DateTime(timezone=True)),
        sa.Column("send_claimed_at", sa.DateTime(timezone=True)),
        sa.Column("receipt", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name="pk_notices"),
    )
    op.create_index("ix_notices_state", "notices", ["state"])
    op.create_index("ix_notices_platform", "notices", ["platform"])
    op.create_table(
        "notice_urls",
        _notice_fk("notice_urls"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.String(128), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True)),
        sa.Column("check_result", sa.String(300)),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("notice_id", "position", name="pk_notice_urls"),
    )
    op.create_index("ix_notice_urls_post_id", "notice_urls", ["post_id"])
    op.create_table(
        "notice_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _notice_fk("notice_events"),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("old", sa.String(16)),
        sa.Column("new", sa.String(16), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notice_events"),
    )
    op.create_index("ix_notice_events_notice_id", "notice_events", ["notice_id"])


def downgrade() -> None:
    for table in ("notice_events", "notice_urls", "notices"):
        op.drop_table(table)
