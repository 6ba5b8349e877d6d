"""The whole schema: every table module registered on one ``metadata`` (what Alembic compares against)."""

from __future__ import annotations

from tipwatch.store import case_tables, link_tables, media_tables, review_tables, tables

metadata = tables.metadata
TABLE_MODULES = (tables, link_tables, media_tables, review_tables, case_tables)
