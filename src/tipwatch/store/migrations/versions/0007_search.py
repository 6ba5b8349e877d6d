"""Search: a full-text index over stored posts (title and body), kept in sync by the database itself.

SQLite: an FTS5 table ``posts_fts(post_id UNINDEXED, title, body)``, filled by the writer in the transaction that
inserts the posts (one batched insert: a trigger per row costs several times more), with triggers for the rarer
updates and deletes. The ``unicode61`` tokenizer with combining marks as word characters (``categories 'L* N* Co
M*'``; by default it splits Devanagari and Bengali words at every vowel sign and virama), ``detail=none`` (the
queries are words and prefixes, never phrases: half the index size, half the write cost). It keeps its own copy of
the text and the post id rather than pointing at ``posts.rowid``: ``posts`` has a text primary key, and VACUUM may
renumber the rowids of such a table.

PostgreSQL: a generated ``tsvector`` column ``posts.search_doc`` with the ``simple`` configuration (no stemming, no
stop words: Hindi, Bengali and Hinglish tokens are kept as written) and a GIN index.

Both index the first 20,000 characters of the title and 100,000 of the body (a tsvector holds at most 1 MB).
Existing posts are indexed here: ALTER TABLE computes the generated column; the FTS table is filled from ``posts``.
Neither object is declared in ``tables.py`` (they exist on one backend each): ``store.schema.SEARCH_OBJECTS`` names
them for the schema comparison.

Revision ID: 0007_search
Revises: 0001_core
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0007_search"
down_revision = "0001_core"
branch_labels = ("search",)
depends_on = None

_SQLITE_UP = (
    "CREATE VIRTUAL TABLE posts_fts USING fts5(post_id UNINDEXED, title, body, "
    "tokenize = \"unicode61 categories 'L* N* Co M*'\", detail = none)",
    "CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN DELETE FROM posts_fts WHERE post_id = old.id; END",
    "CREATE TRIGGER posts_fts_update AFTER UPDATE OF title, body ON posts BEGIN "
    "UPDATE posts_fts SET title = substr(new.title, 1, 20000), body = substr(new.body, 1, 100000) "
    "WHERE post_id = old.id; END",
    "INSERT INTO posts_fts (post_id, title, body) "
    "SELECT id, substr(title, 1, 20000), substr(body, 1, 100000) FROM posts",
)
_SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS posts_fts_update",
    "DROP TRIGGER IF EXISTS posts_fts_delete",
    "DROP TABLE IF EXISTS posts_fts",
)
_PG_UP = (
    "ALTER TABLE posts ADD COLUMN search_doc tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, left(title, 20000) || ' ' || left(body, 100000))) STORED",
    "CREATE INDEX ix_posts_search_doc ON posts USING gin (search_doc)",
)
_PG_DOWN = (
    "DROP INDEX IF EXISTS ix_posts_search_doc",
    "ALTER TABLE posts DROP COLUMN IF EXISTS search_doc",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_UP if dialect == "sqlite" else _PG_UP:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_DOWN if dialect == "sqlite" else _PG_DOWN:
        op.execute(statement)
