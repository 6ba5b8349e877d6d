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
    # 0010_face_hold, 0006_media_signals, then 0002_media
    command.downgrade(alembic_config(engine), "media@-3")
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


def test_face_hold_column_down_and_up(engine: sa.Engine) -> None:
    def columns() -> set[str]:
        return {c["name"] for c in sa.inspect(engine).get_columns("face_persons")}

    assert "legal_hold" in columns()
    command.downgrade(alembic_config(engine), "0006_media_signals")
    assert "legal_hold" not in columns() and "case_ref" in columns()
    command.upgrade(alembic_config(engine), "heads")
    assert "legal_hold" in columns()
