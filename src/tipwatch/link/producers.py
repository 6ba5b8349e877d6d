"""Link producers that read the store: posts as linker input, image hashes from the media stage, PDQ pairs.

Each producer turns store rows into the engine's inputs (PostInput columns, or ExternalPairs); adding a signal means
adding a producer here and its name to state.PAIR_SIGNALS and link.yaml, nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, select

from tipwatch.link.batch import PostInput
from tipwatch.link.config import LinkConfig
from tipwatch.link.engine import ExternalPairs
from tipwatch.model import post_text
from tipwatch.store.media_tables import media_items
from tipwatch.store.tables import identifiers, posts

CHUNK = 900  # ids per IN (...) query: under SQLite's bound-parameter limit


def chunks(ids: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def read_post_inputs(engine: Engine, ids: Sequence[str], *, min_quality: int = 50) -> Iterator[list[PostInput]]:
    """The linker's view of posts ``ids``, a chunk at a time: text, platform, kind, identifiers, image hashes.

    Image hashes are the SHA-256 of images the media stage stored (``media_items``) plus image references that
    already are SHA-256 values; PDQ hashes of quality ``min_quality`` or more go to ``PostInput.pdq``.
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
            for pid, sha, phash, quality in conn.execute(
                select(media.c.post_id, media.c.sha256, media.c.pdq, media.c.quality).where(
                    media.c.post_id.in_(part), media.c.sha256.is_not(None)
                )
            ):
                images[pid].append(sha)
                if phash and quality is not None and quality >= min_quality:
                    pdq[pid].append(phash)
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


def pdq_pairs(engine: Engine, new_ids: set[str] | None, cfg: LinkConfig) -> ExternalPairs | None:
    """PDQ look-alike pairs from the stored images (``media_items``) with at least one post in ``new_ids``."""
    from tipwatch.media.pdq import MIN_QUALITY

    t = media_items
    stmt = select(t.c.post_id, t.c.pdq).where(t.c.pdq.is_not(None), t.c.quality >= MIN_QUALITY)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    if len(rows) < 2:
        return None
    raw = np.frombuffer(bytes.fromhex("".join(r[1] for r in rows)), dtype=np.uint8).reshape(-1, 32)
    return pdq_pair_search([r[0] for r in rows], raw, new_ids, cfg)


def pdq_pair_search(
    post_ids: Sequence[str], pdq: npt.NDArray[np.uint8], new_ids: set[str] | None, cfg: LinkConfig
) -> ExternalPairs | None:
    """Pairs of posts whose pictures' PDQ hashes (one row per image: ``post_ids[i]``, ``pdq[i]`` as 32 bytes) are
    within the configured distance, with at least one post in ``new_ids`` (None: all).

    A picture near the pictures of more than ``identifiers.max_posts`` posts is a stock image or a logo: a hub, it
    links nothing.
    """
    scfg = cfg.pairs.get("image_pdq")
    if scfg is None or len(post_ids) < 2:
        return None
    from tipwatch.media.hamming import HammingIndex
    from tipwatch.media.pdq import pack

    words = pack(pdq)
    query_rows = (
        np.arange(len(post_ids))
        if new_ids is None
        else np.array([i for i, pid in enumerate(post_ids) if pid in new_ids], dtype=np.int64)
    )
    if len(query_rows) == 0:
        return None
    qi, hit, dist = HammingIndex(words).search(words[query_rows], int(scfg.max_distance))
    src = query_rows[qi]
    pid_code = {pid: i for i, pid in enumerate(dict.fromkeys(post_ids))}
    codes = np.array([pid_code[pid] for pid in post_ids], dtype=np.int64)
    other = codes[hit] != codes[src]
    src, hit, dist = src[other], hit[other], dist[other]
    if len(src) == 0:
        return None
    # Hub pictures: too many distinct posts around one query image.
    fan = np.bincount(np.unique(np.stack([src, codes[hit]], axis=1), axis=0)[:, 0], minlength=len(post_ids))
    keep = fan[src] <= cfg.identifiers.max_posts
    src, hit, dist = src[keep], hit[keep], dist[keep]
    return ExternalPairs(
        "image_pdq", [post_ids[i] for i in src.tolist()], [post_ids[i] for i in hit.tolist()], dist.tolist()
    )
