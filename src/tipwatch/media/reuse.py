"""Images reused across posts: a corpus-level link signal for the network graph.

Works on compact columns (post ids, 32-byte SHA-256 and PDQ per image), never on pictures. Two posts are linked
``image_sha256`` when they carry the same file, ``image_pdq`` when their pictures' PDQ hashes are within the
threshold (a re-encoded, resized or lightly edited copy). PDQ pairs come from the exact multi-index search
(tipwatch.media.hamming) run as a self-join over the distinct hashes, so the cost follows the number of candidate
pairs, not n squared.

Big groups: one photo on 500 ads would give 124,750 pairs that say nothing more than "these 500 share a photo". A
group with more than ``clique_limit`` posts is linked as a star around its first post (same components, linear size).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine, select

from tipwatch.media.hamming import HammingIndex
from tipwatch.media.pdq import DEFAULT_THRESHOLD, MIN_QUALITY, pack
from tipwatch.media.post_media import PostMedia
from tipwatch.store.media_tables import media_items


@dataclass(slots=True, frozen=True)
class ReuseLink:
    post_a: str  # post_a < post_b
    post_b: str
    kind: str  # "image_sha256" | "image_pdq"
    distance: int  # 0 for the same file; Hamming distance of the closest image pair for PDQ
    sha256_a: str  # the image of post_a that made the link (its hash: the evidence, never the image)
    sha256_b: str

    def as_json(self) -> dict[str, Any]:
        return {
            "post_a": self.post_a,
            "post_b": self.post_b,
            "kind": self.kind,
            "distance": self.distance,
            "sha256_a": self.sha256_a,
            "sha256_b": self.sha256_b,
        }


@dataclass(slots=True)
class ReuseColumns:
    """One row per (post, image): post ids, SHA-256 as (n, 32) uint8, PDQ as (n, 32) uint8 and quality (-1: none)."""

    post_ids: list[str]
    sha256: np.ndarray
    pdq: np.ndarray
    quality: np.ndarray
    # PDQ of the left-right mirrored picture (PDQ's "flipy" dihedral hash), (n, 32) uint8: a mirrored repost is
    # far from its original by plain PDQ. None: mirrored copies are not looked for.
    pdq_mirror: np.ndarray | None = None

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[Any, ...]]) -> ReuseColumns:
        """From (post_id, sha256 hex, pdq hex or None, quality or None[, mirror pdq hex or None]); rows without a
        SHA-256 are left out."""
        ids: list[str] = []
        shas: list[str] = []
        pdqs: list[str] = []
        mirrors: list[str] = []
        quals: list[int] = []
        has_mirror = False
        zero = "00" * 32
        for row in rows:
            post_id, sha, pdq, quality = row[:4]
            mirror = row[4] if len(row) > 4 else None
            if not sha:
                continue
            usable = bool(pdq) and quality is not None
            ids.append(post_id)
            shas.append(sha)
            pdqs.append(pdq if usable else zero)
            quals.append(int(quality) if usable else -1)
            mirrors.append(mirror if usable and mirror else zero)
            has_mirror = has_mirror or bool(mirror)
        return cls(
            ids,
            _unhex(shas),
            _unhex(pdqs),
            np.array(quals, dtype=np.int16),
            _unhex(mirrors) if has_mirror else None,
        )


def columns_from_media(results: Iterable[PostMedia]) -> ReuseColumns:
    """ReuseColumns from per-post media results (analyze_post_media), for linking without a store round trip.

    Every item with a SHA-256 takes part (a file that does not decode can still be the same file in two posts);
    only decoded pictures carry a PDQ. Same rows as load_reuse_columns reads back from media_items.
    """
    return ReuseColumns.from_rows(
        (r.post_id, item.sha256, item.pdq, item.quality, item.pdq_mirror) for r in results for item in r.items
    )


def _unhex(values: list[str]) -> np.ndarray:
    return np.frombuffer(bytes.fromhex("".join(values)), dtype=np.uint8).reshape(-1, 32)


def load_reuse_columns(engine: Engine) -> ReuseColumns:
    """The columns for every stored post image (media_items rows with a SHA-256)."""
    t = media_items
    stmt = (
        select(t.c.post_id, t.c.sha256, t.c.pdq, t.c.quality, t.c.pdq_mirror)
        .where(t.c.sha256.is_not(None))
        .order_by(t.c.id)
    )
    with engine.connect() as conn:
        return ReuseColumns.from_rows(tuple(row) for row in conn.execute(stmt))


def _group_pairs(members: list[int], clique_limit: int) -> Iterable[tuple[int, int]]:
    if len(members) <= clique_limit:
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                yield members[i], members[j]
    else:
        for other in members[1:]:
            yield members[0], other


def reuse_links(
    cols: ReuseColumns,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    min_quality: int = MIN_QUALITY,
    clique_limit: int = 20,
) -> list[ReuseLink]:
    """Post pairs sharing an image (same SHA-256) or a near-identical picture (PDQ within ``threshold``)."""
    n = len(cols.post_ids)
    if n < 2:
        return []
    post_codes, post_index = _codes(cols.post_ids)
    sha_hex = [bytes(row).hex() for row in cols.sha256]
    best: dict[tuple[int, int], tuple[int, str, int, int]] = {}  # (pa, pb) -> (distance, kind, row_a, row_b)

    def offer(ra: int, rb: int, distance: int, kind: str) -> None:
        pa, pb = int(post_codes[ra]), int(post_codes[rb])
        if pa == pb:
            return
        if pa > pb:
            pa, pb, ra, rb = pb, pa, rb, ra
        current = best.get((pa, pb))
        # The same file beats a look-alike; then the closer pair wins.
        rank = (0 if kind == "image_sha256" else 1, distance)
        if current is None or rank < (0 if current[1] == "image_sha256" else 1, current[0]):
            best[(pa, pb)] = (distance, kind, ra, rb)

    # Same file: group rows by SHA-256, one representative row per post.
    sha_groups = _groups(cols.sha256)
    for group in sha_groups:
        members = _one_row_per_post(group, post_codes)
        for ra, rb in _group_pairs(members, clique_limit):
            offer(ra, rb, 0, "image_sha256")

    # Look-alikes: distinct usable PDQ hashes, self-joined by exact radius search.
    usable = np.flatnonzero(cols.quality >= min_quality)
    if usable.size >= 2:
        usable_pdq = np.ascontiguousarray(cols.pdq[usable])
        _, first, inverse = np.unique(_as_keys(usable_pdq), return_index=True, return_inverse=True)
        uniq = usable_pdq[first]
        inverse = inverse.reshape(-1)
        members_of: list[list[int]] = [[] for _ in range(len(uniq))]
        for pos, u in enumerate(inverse.tolist()):
            members_of[u].append(int(usable[pos]))
        members_of = [_one_row_per_post(m, post_codes) for m in members_of]
        for m in members_of:  # identical PDQ, different files (re-encoded copies)
            for ra, rb in _group_pairs(m, clique_limit):
                offer(ra, rb, 0, "image_pdq")
        words = pack(uniq)
        index = HammingIndex(words)
        qi, hit_rows, dist = index.search(words, threshold)
        keep = qi < hit_rows
        pairs = [zip(qi[keep].tolist(), hit_rows[keep].tolist(), dist[keep].tolist(), strict=True)]
        if cols.pdq_mirror is not None:
            # A mirrored copy: the mirror hash of one picture lands near the plain hash of the other.
            mirrors = pack(np.ascontiguousarray(cols.pdq_mirror[usable][first]))
            mq, mrows, mdist = index.search(mirrors, threshold)
            other = mq != mrows
            pairs.append(zip(mq[other].tolist(), mrows[other].tolist(), mdist[other].tolist(), strict=True))
        for u, v, d in itertools.chain.from_iterable(pairs):
            mu, mv = members_of[u], members_of[v]
            if len(mu) * len(mv) <= clique_limit * clique_limit:
                for ra in mu:
                    for rb in mv:
                        offer(ra, rb, d, "image_pdq")
            else:
                offer(mu[0], mv[0], d, "image_pdq")

    links = [
        ReuseLink(post_index[pa], post_index[pb], kind, dist_, sha_hex[ra], sha_hex[rb])
        for (pa, pb), (dist_, kind, ra, rb) in best.items()
    ]
    # Post ids are compared as strings so that post_a < post_b holds for the caller.
    out = []
    for link in links:
        if link.post_a > link.post_b:
            link = ReuseLink(link.post_b, link.post_a, link.kind, link.distance, link.sha256_b, link.sha256_a)
        out.append(link)
    return sorted(out, key=lambda x: (x.post_a, x.post_b))


def _codes(post_ids: list[str]) -> tuple[np.ndarray, list[str]]:
    seen: dict[str, int] = {}
    codes = np.fromiter((seen.setdefault(p, len(seen)) for p in post_ids), dtype=np.int64, count=len(post_ids))
    return codes, list(seen)


def _groups(raw: np.ndarray) -> list[list[int]]:
    """Row numbers of each value that occurs more than once, in first-seen order."""
    _, inverse, counts = np.unique(_as_keys(raw), return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(counts)[:-1]
    return [g.tolist() for g in np.split(order, bounds) if g.size > 1]


def _as_keys(raw: np.ndarray) -> np.ndarray:
    # 32-byte rows as one fixed-size bytes value each: sorting these is far faster than a 32-column lexsort.
    return np.ascontiguousarray(raw, dtype=np.uint8).view("S32").reshape(-1)


def _one_row_per_post(rows: list[int], post_codes: np.ndarray) -> list[int]:
    seen: set[int] = set()
    out = []
    for r in rows:
        p = int(post_codes[r])
        if p not in seen:
            seen.add(p)
            out.append(r)
    return out
