"""The migrations build exactly the schema the code declares, on every backend."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tipwatch.store.db import open_engine, resolve_url
from tipwatch.store.schema import include_object, metadata


def test_migrations_match_declared_tables(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": include_object}), metadata)
    assert diff == [], f"migrations and tables.py disagree: {diff}"


def test_upgrade_is_idempotent(db_url: str) -> None:
    first = open_engine(db_url)
    tables = set(sa.inspect(first).get_table_names())
    first.dispose()
    second = open_engine(db_url)
    assert set(sa.inspect(second).get_table_names()) == tables
    assert {"posts", "identifiers", "indicator_hits", "quarantine", "runs", "labels"} <= tables
    second.dispose()


def test_url_resolution(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TIPWATCH_DATABASE_URL", raising=False)
    assert resolve_url(None).startswith("sqlite:///") and resolve_url(None).endswith("tipwatch-data/tipwatch.db")
    monkeypatch.setenv("TIPWATCH_DATABASE_URL", "postgresql+psycopg://x@127.0.0.1/db")
    assert resolve_url(None) == "postgresql+psycopg://x@127.0.0.1/db"
    assert resolve_url("sqlite:///other.db") == "sqlite:///other.db"
