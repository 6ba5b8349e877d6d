"""Faces: a legal hold flag on enrolled persons (retention keeps a held person whatever the policy says).

Revision ID: 0010_face_hold
Revises: 0006_media_signals
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_face_hold"
down_revision = "0006_media_signals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("face_persons", sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("face_persons") as batch:
        batch.drop_column("legal_hold")
