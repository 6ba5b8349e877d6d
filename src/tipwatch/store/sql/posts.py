"""PostStore on SQLAlchemy: the read-side post, identifier, hit and image-hash queries, by post id in chunks."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, Row, Select, func, select

from tipwatch.store.interface.posts import CHUNK, HitRow, IdentifierRow, ImageHashRow, PostRecord, PostStore
from tipwatch.store.media_tables import media_items
from tipwatch.store.tables import identifiers, indicator_hits, posts

T = TypeVar("T")


def chunked(ids: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


# A post's columns in PostRecord's field order (without the body and images).
POST_META = (
    posts.c.id,
    posts.c.title,
    posts.c.platform,
    posts.c.kind,
    posts.c.posted_at,
    posts.c.location,
    posts.c.language,
    posts.c.risk,
    posts.c.url,
)


class SqlPosts(PostStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def stored(self, ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        with self._engine.connect() as conn:
            for part in chunked(list(ids)):
                found.update(conn.execute(select(posts.c.id).where(posts.c.id.in_(part))).scalars())
        return found

    def all_ids(self) -> list[str]:
        with self._engine.connect() as conn:
            return list(conn.execute(select(posts.c.id)).scalars())

    def dated_ids(self) -> list[str]:
        with self._engine.connect() as conn:
            return list(conn.execute(select(posts.c.id).where(posts.c.posted_at.is_not(None))).scalars())

    def posts(self, ids: Sequence[str], *, text: bool = False, images: bool = False) -> Iterator[PostRecord]:
        # Columns in PostRecord's field order, so a row becomes a record in one call (the linker reads every post).
        cols = [*POST_META, posts.c.body] if text else [*POST_META]
        if images:
            cols.append(posts.c.images)
        for part in chunked(ids):
            with self._engine.connect() as conn:
                rows = conn.execute(select(*cols).where(posts.c.id.in_(part))).all()
            if text:
                for row in rows:
                    yield PostRecord(*row)
            else:  # the body stays out of the record unless asked for
                for row in rows:
                    rec = PostRecord(*row[:9])
                    if images:
                        rec.images = row[9]
                    yield rec

    def _by_post(self, stmt: Select[Any], post_id: Any, ids: Sequence[str]) -> Iterator[Row[Any]]:
        """Rows of ``stmt`` for the posts ``ids``, chunk by chunk. Rows have the records' named fields and unpack
        like them: copying millions of them into dataclasses would cost seconds."""
        for part in chunked(ids):
            with self._engine.connect() as conn:
                rows = conn.execute(stmt.where(post_id.in_(part))).all()
            yield from rows

    def identifiers(self, ids: Sequence[str]) -> Iterator[IdentifierRow]:
        ident = identifiers
        # By post id only: with a type condition SQLite picks the (type, value) index and scans every identifier of
        # those types for each chunk (quadratic); by post id alone it uses the post_id index.
        stmt = select(ident.c.post_id, ident.c.type, ident.c.value, ident.c.start, ident.c.end)
        yield from cast("Iterator[IdentifierRow]", self._by_post(stmt, ident.c.post_id, ids))

    def indicator_hits(self, ids: Sequence[str]) -> Iterator[HitRow]:
        hits = indicator_hits
        stmt = select(hits.c.post_id, hits.c.category, hits.c.domain)
        yield from cast("Iterator[HitRow]", self._by_post(stmt, hits.c.post_id, ids))

    def hit_counts(self, ids: Sequence[str]) -> dict[str, int]:
        hits = indicator_hits
        out: dict[str, int] = {}
        with self._engine.connect() as conn:
            for part in chunked(ids):
                stmt = select(hits.c.post_id, func.count()).where(hits.c.post_id.in_(part)).group_by(hits.c.post_id)
                out.update({pid: int(n) for pid, n in conn.execute(stmt)})
        return out

    def image_hashes(self, ids: Sequence[str]) -> Iterator[ImageHashRow]:
        media = media_items
        # Only the post id in SQL: a condition on sha256 can make SQLite walk the sha256 index for each chunk.
        stmt = select(media.c.post_id, media.c.sha256, media.c.pdq, media.c.pdq_mirror, media.c.quality)
        yield from cast("Iterator[ImageHashRow]", self._by_post(stmt, media.c.post_id, ids))

    def ids_with_identifier(self, type: str, value: str) -> list[str]:
        stmt = select(identifiers.c.post_id).where(identifiers.c.type == type, identifiers.c.value == value)
        with self._engine.connect() as conn:
            return sorted(set(conn.execute(stmt).scalars()))
