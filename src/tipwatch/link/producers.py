"""Producers that read the store: posts as the linker's input, with image hashes from the media stage.

A signal found elsewhere as pairs (post_a, post_b, distance) enters as ``engine.ExternalPairs``: one more producer
with its name in state.PAIR_SIGNALS and link.yaml, and the same code path for every signal after that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Engine, select

from tipwatch.link.batch import PostInput
from tipwatch.model import post_text
from tipwatch.store.media_tables import media_items
from tipwatch.store.tables import identifiers, posts

T = TypeVar("T")
CHUNK = 900  # ids per IN (...) query: under SQLite's bound-parameter limit


def chunks(ids: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def read_post_inputs(engine: Engine, ids: Sequence[str], *, min_quality: int = 50) -> Iterator[list[PostInput]]:
    """The linker's view of posts ``ids``, a chunk at a time: text, platform, kind, identifiers, image hashes.

    Image hashes are the SHA-256 of images the media stage stored (``media_items``) plus image references that
    already are SHA-256 values; PDQ hashes (and their mirrors' hashes) of quality ``min_quality`` or more go to
    ``PostInput.pdq``.
    """
    p, ident, media = posts, identifiers, media_items
    with engine.connect() as conn:
        for part in chunks(ids):
            rows = conn.execute(
                select(p.c.id, p.c.title, p.c.body, p.c.platform, p.c.kind, p.c.images).where(p.c.id.in_(part))
            ).all()
            spans: defaultdict[str, list[tuple[str, str, int, int]]] = defaultdict(list)
            for pid, typ, value, start, end in conn.execute(
                select(ident.c.post_id, ident.c.type, ident.c.value, ident.c.start, ident.c.end).where(
                    ident.c.post_id.in_(part)
                )
            ):
                spans[pid].append((typ, value, start, end))
            images: defaultdict[str, list[str]] = defaultdict(list)
            pdq: defaultdict[str, list[str]] = defaultdict(list)
            # Only the post id in SQL: a condition on sha256 can make SQLite walk the sha256 index for each chunk.
            for pid, sha, phash, mirror, quality in conn.execute(
                select(media.c.post_id, media.c.sha256, media.c.pdq, media.c.pdq_mirror, media.c.quality).where(
                    media.c.post_id.in_(part)
                )
            ):
                if not sha:
                    continue
                images[pid].append(sha)
                if phash and quality is not None and quality >= min_quality:
                    # The mirror's hash too: a mirrored repost matches it (two picture clusters, same posts).
                    pdq[pid].extend(h for h in (phash, mirror) if h)
            yield [
                PostInput(
                    pid,
                    post_text(title or "", body or ""),
                    platform,
                    kind,
                    [*(refs or []), *images.get(pid, [])],
                    spans.get(pid, []),
                    pdq.get(pid, []),
                )
                for pid, title, body, platform, kind, refs in rows
            ]
