"""Media: hashes of signal types registered beyond sha256/md5/pdq, kept with each post image (a JSON object).

Revision ID: 0006_media_signals
Revises: 0002_media
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_media_signals"
down_revision = "0002_media"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("media_items", sa.Column("signals", sa.JSON()))


def downgrade() -> None:
    # Batch mode: SQLite rebuilds the table where it cannot drop a column in place.
    with op.batch_alter_table("media_items") as batch:
        batch.drop_column("signals")
