"""What differs between the two databases we support, written once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(dialect: str, table: Table, index_elements: list[Column[Any]] | None = None) -> Any:
    """INSERT that skips rows clashing with a unique key (``ON CONFLICT DO NOTHING`` on both backends)."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    raise ValueError(f"unsupported database dialect {dialect!r}: tipwatch stores in sqlite or postgresql")
