"""Search and post-view speed on a large store (issue 10, measured on 1M posts with benchmarks/bench_workspace.py).

- ``identifiers (type, value, post_id)`` replaces ``(type, value)``: the posts holding an identifier, and how many
  they are (the post view's "shared by N posts"), come from the index alone, without a heap visit per holder (a phone
  on 18,000 posts: 229 ms -> 10 ms on 385k posts).
- PostgreSQL only: ``posts (posted_at DESC NULLS LAST, id DESC)``, the search's "newest first" order, so a word or an
  identifier held by many posts reads the newest posts until the page is full instead of sorting every match (a
  common word: 394 ms -> 2 ms on 385k posts). SQLite orders its FTS5 matches itself and keeps NULLs smallest, so
  ``ix_posts_posted_at`` read backwards already gives that order there. Like the search column, the index exists on
  one backend only and is not declared in ``tables.py`` (``store.schema.SEARCH_INDEXES`` names it).

Revision ID: 0009_search_speed
Revises: 0007_search
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0009_search_speed"
down_revision = "0007_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # posts before identifiers, the order the writer takes them in: the other order deadlocked with a running
    # analyze (the migration held identifiers and waited for posts, the writer the reverse).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_posts_newest ON posts (posted_at DESC NULLS LAST, id DESC)")
    op.create_index("ix_identifiers_type_value_post", "identifiers", ["type", "value", "post_id"])
    op.drop_index("ix_identifiers_type_value", table_name="identifiers")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_posts_newest")
    op.create_index("ix_identifiers_type_value", "identifiers", ["type", "value"])
    op.drop_index("ix_identifiers_type_value_post", table_name="identifiers")
