"""The media migration branch upgrades and downgrades on its own, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from tipwatch.store.db import alembic_config

MEDIA_TABLES = {
    "hash_banks",
    "hash_bank_entries",
    "media_items",
    "media_matches",
    "restricted_media",
    "mandatory_reports",
    "face_persons",
    "face_embeddings",
    "face_search_log",
}


def test_media_branch_down_and_up(engine: sa.Engine) -> None:
    assert set(sa.inspect(engine).get_table_names()) >= MEDIA_TABLES
    command.downgrade(alembic_config(engine), "media@-2")  # 0006_media_signals, then 0002_media
    left = set(sa.inspect(engine).get_table_names())
    assert not (MEDIA_TABLES & left) and "posts" in left  # only this branch went
    command.upgrade(alembic_config(engine), "heads")
    assert set(sa.inspect(engine).get_table_names()) >= MEDIA_TABLES


def test_signals_column_down_and_up(engine: sa.Engine) -> None:
    # 0006_media_signals alone: the column goes and comes back, the media tables stay.
    def columns() -> set[str]:
        return {c["name"] for c in sa.inspect(engine).get_columns("media_items")}

    assert "signals" in columns()
    command.downgrade(alembic_config(engine), "0002_media")
    assert "signals" not in columns() and "pdq" in columns()
    command.upgrade(alembic_config(engine), "heads")
    assert "signals" in columns()
