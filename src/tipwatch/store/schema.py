"""The whole schema: every table module registered on one ``metadata`` (what Alembic compares against)."""

from __future__ import annotations

from typing import Any

from tipwatch.store import (
    account_tables,
    case_tables,
    evidence_tables,
    exchange_tables,
    feed_tables,
    job_tables,
    link_tables,
    media_tables,
    notice_tables,
    review_tables,
    tables,
)

metadata = tables.metadata
TABLE_MODULES = (
    tables,
    link_tables,
    media_tables,
    account_tables,
    review_tables,
    case_tables,
    job_tables,
    exchange_tables,
    feed_tables,
    notice_tables,
    evidence_tables,
)

# The full-text index (migration 0007_search) is one object per backend and is not declared in ``metadata``: the
# SQLite FTS5 table (with the shadow tables FTS5 makes for it) and the PostgreSQL generated column with its index;
# also PostgreSQL's index for the search's "newest first" order (migration 0009_search_speed).
SEARCH_TABLES = frozenset(
    {"posts_fts", "posts_fts_data", "posts_fts_idx", "posts_fts_content", "posts_fts_docsize", "posts_fts_config"}
)
SEARCH_COLUMNS = frozenset({("posts", "search_doc")})
SEARCH_INDEXES = frozenset({"ix_posts_search_doc", "ix_posts_newest"})


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object`` hook: compare everything but the search objects (checked by their own tests)."""
    if type_ == "table" and name in SEARCH_TABLES:
        return False
    if type_ == "column" and (getattr(obj.table, "name", None), name) in SEARCH_COLUMNS:
        return False
    return not (type_ == "index" and name in SEARCH_INDEXES)
