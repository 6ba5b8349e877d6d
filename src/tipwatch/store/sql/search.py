"""SearchStore on SQLAlchemy: SQLite FTS5 (``posts_fts``, filled by the writer through ``index_posts``) and
PostgreSQL ``tsvector`` (``posts.search_doc``, a generated column), both made by migration 0007_search; identifier
look-ups through ``ix_identifiers_type_value_post``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, func, literal_column, or_, select, text

from tipwatch.store.interface.search import SearchHit, SearchOrder, SearchStore, SearchTerm
from tipwatch.store.sql.posts import chunked
from tipwatch.store.tables import identifiers, posts

# The first this-many characters of title and body are indexed (migration 0007_search).
TITLE_CHARS = 20_000
BODY_CHARS = 100_000
TITLE_SHOWN = 200


_FTS_INSERT = text("INSERT INTO posts_fts (post_id, title, body) VALUES (:id, :title, :body)")


def has_text_index(engine: Engine) -> bool:
    """Whether the writer must fill ``posts_fts`` (a SQLite store migrated with the search branch). PostgreSQL's
    generated column fills itself."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'posts_fts'"))
        return found.first() is not None


def index_posts(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add just-inserted post rows (``id``, ``title``, ``body``) to the FTS5 index in the caller's transaction: one
    batched insert (a trigger per row costs several times more)."""
    if rows:
        conn.execute(
            _FTS_INSERT,
            [{"id": r["id"], "title": r["title"][:TITLE_CHARS], "body": r["body"][:BODY_CHARS]} for r in rows],
        )


def fts5_query(terms: Sequence[SearchTerm]) -> str:
    """An FTS5 MATCH expression that treats every term as data: each one a quoted string (implicit AND)."""
    parts = []
    for term in terms:
        quoted = '"' + term.text.replace('"', '""') + '"'
        parts.append(quoted + ("*" if term.prefix else ""))
    return " ".join(parts)


def tsquery_text(terms: Sequence[SearchTerm]) -> str:
    """A ``to_tsquery`` expression of quoted lexemes joined with ``&`` (``:*`` for a prefix)."""
    parts = []
    for term in terms:
        quoted = "'" + term.text.replace("\\", "\\\\").replace("'", "''") + "'"
        parts.append(quoted + (":*" if term.prefix else ""))
    return " & ".join(parts)


def _order(order: SearchOrder) -> list[Any]:
    if order == "risk":
        return [posts.c.risk.desc(), posts.c.id]
    if order == "newest":
        return [posts.c.posted_at.desc().nulls_last(), posts.c.id.desc()]
    raise ValueError(f"unknown order {order!r}")


def _hit(row: Any, snippet: str = "") -> SearchHit:
    return SearchHit(
        row.id, (row.title or "")[:TITLE_SHOWN], float(row.risk), row.platform, row.posted_at, snippet or ""
    )


class SqlSearch(SearchStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def _sqlite(self) -> bool:
        return self._engine.dialect.name == "sqlite"

    def text(
        self, terms: Sequence[SearchTerm], *, order: SearchOrder = "newest", limit: int = 20, offset: int = 0
    ) -> list[SearchHit]:
        if not terms:
            return []
        if self._sqlite:
            order_sql = "p.risk DESC, p.id" if order == "risk" else "p.posted_at DESC NULLS LAST, p.id DESC"
            _order(order)  # refuses an unknown order as the PostgreSQL branch does
            stmt = text(
                "SELECT p.id, p.title, p.risk, p.platform, p.posted_at, "
                "snippet(posts_fts, 2, '', '', '…', 12) AS snippet "
                "FROM posts_fts JOIN posts AS p ON p.id = posts_fts.post_id "
                f"WHERE posts_fts MATCH :q ORDER BY {order_sql} LIMIT :limit OFFSET :offset"
            ).columns(
                posts.c.id, posts.c.title, posts.c.risk, posts.c.platform, posts.c.posted_at, literal_column("snippet")
            )
            with self._engine.connect() as conn:
                found = conn.execute(stmt, {"q": fts5_query(terms), "limit": limit, "offset": offset})
                return [_hit(r, r.snippet) for r in found]
        cols = (posts.c.id, posts.c.title, posts.c.risk, posts.c.platform, posts.c.posted_at)
        query = func.to_tsquery(literal_column("'simple'::regconfig"), bindparam("q", tsquery_text(terms)))
        doc: Any = literal_column("posts.search_doc")
        page = select(*cols).where(doc.op("@@")(query)).order_by(*_order(order)).limit(limit).offset(offset)
        with self._engine.connect() as conn:
            rows = conn.execute(page).all()
            if not rows:
                return []
            # The excerpt only for the page's rows: ts_headline parses the text again.
            headline = func.ts_headline(
                literal_column("'simple'::regconfig"),
                func.left(posts.c.body, BODY_CHARS),
                query,
                "StartSel='', StopSel='', MaxWords=14, MinWords=5",
            )
            found = conn.execute(select(posts.c.id, headline).where(posts.c.id.in_([r.id for r in rows])))
            snips = {str(r[0]): str(r[1] or "") for r in found}
        return [_hit(r, snips.get(r.id, "")) for r in rows]

    def identifiers(
        self,
        keys: Sequence[tuple[str, str]],
        *,
        order: SearchOrder = "newest",
        limit: int = 20,
        offset: int = 0,
    ) -> list[SearchHit]:
        keys = list(dict.fromkeys(keys))
        if not keys:
            return []
        i = identifiers
        # One (type, value) equality per key: each a look-up in ix_identifiers_type_value_post.
        cond = or_(*(and_(i.c.type == t, i.c.value == v) for t, v in keys))
        if self._sqlite:
            holders = select(i.c.post_id).where(cond).distinct().subquery()
            held: Any = posts.c.id.in_(select(holders.c.post_id))
        else:
            # A correlated EXISTS leaves PostgreSQL the choice: for a rare identifier, its holders then sort; for one
            # on thousands of posts, posts newest first (ix_posts_newest) each probed in the index until the page is
            # full (a phone on 18,000 posts: 1,146 ms -> 13 ms on 385k posts). SQLite would probe every post.
            held = select(i.c.id).where(i.c.post_id == posts.c.id, cond).exists()
        cols = (posts.c.id, posts.c.title, posts.c.risk, posts.c.platform, posts.c.posted_at)
        stmt = select(*cols).where(held).order_by(*_order(order)).limit(limit).offset(offset)
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
            hits = {r.id: _hit(r) for r in rows}
            for part in chunked(list(hits)):
                found = select(i.c.post_id, i.c.type, i.c.value).where(cond, i.c.post_id.in_(part)).distinct()
                for pid, typ, value in conn.execute(found):
                    hits[pid].matched.append((typ, value))
        for hit in hits.values():
            hit.matched.sort()
        return [hits[r.id] for r in rows]

    def reindex(self) -> int:
        with self._engine.begin() as conn:
            if self._sqlite:
                conn.execute(text("DELETE FROM posts_fts"))
                conn.execute(
                    text(
                        "INSERT INTO posts_fts (post_id, title, body) "
                        "SELECT id, substr(title, 1, :t), substr(body, 1, :b) FROM posts"
                    ),
                    {"t": TITLE_CHARS, "b": BODY_CHARS},
                )
                conn.execute(text("INSERT INTO posts_fts (posts_fts) VALUES ('optimize')"))
            else:
                # The generated column is always current; rebuild its index (e.g. after a bulk load or corruption).
                conn.execute(text("REINDEX INDEX ix_posts_search_doc"))
        return self.indexed()

    def indexed(self) -> int:
        with self._engine.connect() as conn:
            if self._sqlite:
                return int(conn.execute(text("SELECT count(*) FROM posts_fts")).scalar_one())
            return int(conn.execute(text("SELECT count(*) FROM posts WHERE search_doc IS NOT NULL")).scalar_one())
