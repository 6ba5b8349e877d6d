"""Group signals: posts sharing a normalized identifier or an exact image hash.

Each (post, entity) membership is a compact row (post index, 64-bit entity key, type code). An entity links its
posts when it is in at least two of them and is not a hub. Its weight falls with its frequency (rarity), and an
entity in too many posts, or spread over too many platforms or post kinds, is a hub: it links nothing and is
reported as such (a platform's support number must not merge the whole corpus).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from tipwatch.link.config import IdentifierConfig

# Entity types that link posts; the order fixes the type codes kept in the link state.
# "image" is a picture found by PDQ (its near-copies included), "image_sha256" the exact file.
ENTITY_TYPES: tuple[str, ...] = ("phone", "email", "url", "handle", "wallet", "image_sha256", "image")
TYPE_CODE: dict[str, int] = {t: i for i, t in enumerate(ENTITY_TYPES)}

HUB_TOO_MANY = "in more than {max_posts} posts"
HUB_SPREAD = "spread over {platforms} platforms and {kinds} post kinds"
HUB_UNRELATED = "shared by {groups} otherwise unrelated groups of posts (each with its own contacts)"


def entity_key(kind: str, value: str) -> int:
    """A stable 64-bit key for (type, normalized value); collisions at 2**64 are negligible at our sizes."""
    digest = hashlib.blake2b(f"{kind}\x00{value}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


@dataclass(slots=True)
class EntityStats:
    """Per distinct entity key (sorted): how many posts, platforms and kinds hold it, and what follows."""

    keys: npt.NDArray[np.uint64]
    types: npt.NDArray[np.uint8]
    n_posts: npt.NDArray[np.int64]
    n_platforms: npt.NDArray[np.int64]
    n_kinds: npt.NDArray[np.int64]
    n_groups: npt.NDArray[np.int64]
    n_with_other: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]
    hub: npt.NDArray[np.bool_]
    strong: npt.NDArray[np.bool_]

    def lookup(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """Row of each key in this table (keys must be present)."""
        return np.searchsorted(self.keys, keys).astype(np.int64)

    def links(self) -> npt.NDArray[np.bool_]:
        """Entities that link posts: in two or more posts and not a hub."""
        return (self.n_posts >= 2) & ~self.hub


def _distinct_per_key(
    keys: npt.NDArray[np.uint64], values: npt.NDArray[np.integer[Any]], uniq: npt.NDArray[np.uint64]
) -> npt.NDArray[np.int64]:
    """How many distinct ``values`` each key of ``uniq`` has among the (keys, values) rows."""
    if len(keys) == 0:
        return np.zeros(len(uniq), dtype=np.int64)
    order = np.lexsort((values, keys))
    k, v = keys[order], values[order]
    first = np.ones(len(k), dtype=bool)
    first[1:] = (k[1:] != k[:-1]) | (v[1:] != v[:-1])
    return np.bincount(np.searchsorted(uniq, k[first]), minlength=len(uniq)).astype(np.int64)


class _Memberships:
    """(post, key) rows sorted both ways, to slice one key's posts and those posts' rows without scanning all."""

    def __init__(self, post: npt.NDArray[np.int64], key: npt.NDArray[np.uint64]) -> None:
        by_post = np.argsort(post, kind="stable")
        self.p_sorted, self.k_by_post = post[by_post], key[by_post]
        by_key = np.argsort(key, kind="stable")
        self.k_sorted, self.p_by_key = key[by_key], post[by_key]

    def posts_of(self, key: int) -> npt.NDArray[np.int64]:
        k = np.uint64(key)
        lo, hi = np.searchsorted(self.k_sorted, k), np.searchsorted(self.k_sorted, k, side="right")
        return np.unique(self.p_by_key[lo:hi])

    def rows_of(self, posts: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
        lo = np.searchsorted(self.p_sorted, posts)
        hi = np.searchsorted(self.p_sorted, posts, side="right")
        n = hi - lo
        pos = np.repeat(lo - (np.cumsum(n) - n), n) + np.arange(int(n.sum()))
        return self.p_sorted[pos], self.k_by_post[pos]


def unrelated_groups(index: _Memberships, key: int) -> tuple[int, int]:
    """How unrelated the posts holding ``key`` are otherwise: (posts with another contact, groups among them).

    Groups are the connected components of those posts over their other contacts. A contact present in more than
    half of the posts is a twin of ``key`` (the same operator's second number, a platform's phone beside its email)
    and says nothing about relatedness, so it is ignored. A platform's support line: one group per advertiser. An
    operator's handle: its posts also share rotating phones, so few groups.
    """
    posts = index.posts_of(key)
    r_post, r_key = index.rows_of(posts)
    other = r_key != np.uint64(key)
    r_post, r_key = r_post[other], r_key[other]
    if len(r_post) == 0:
        return 0, 0
    okeys, oinv, ocount = np.unique(r_key, return_inverse=True, return_counts=True)
    oinv = oinv.ravel()
    local = ocount[oinv] <= len(posts) / 2
    r_post, oinv = r_post[local], oinv[local]
    if len(r_post) == 0:
        return 0, 0
    pidx = np.searchsorted(posts, r_post)
    with_other = np.unique(pidx)
    size = len(posts) + len(okeys)
    m = coo_matrix((np.ones(len(r_post), dtype=np.int8), (pidx, len(posts) + oinv)), shape=(size, size))
    _, labels = connected_components(m, directed=False)
    return len(with_other), len(np.unique(labels[with_other]))


def entity_stats(
    memb_post: npt.NDArray[np.int64],
    memb_key: npt.NDArray[np.uint64],
    memb_type: npt.NDArray[np.uint8],
    platform: npt.NDArray[np.integer[Any]],
    kind: npt.NDArray[np.integer[Any]],
    cfg: IdentifierConfig,
    only: npt.NDArray[np.uint64] | None = None,
) -> EntityStats:
    """Frequency, spread, weight and hub status of every entity (or of the keys ``only``), from the memberships.

    Memberships must be distinct (one row per post and key). ``platform``/``kind`` are codes per post index. The
    statistics of a key depend only on the posts holding it (and their other contacts), so a subset is exact.
    """
    if only is not None:
        sel = np.isin(memb_key, only)
        sub_post, sub_key, sub_type = memb_post[sel], memb_key[sel], memb_type[sel]
    else:
        sub_post, sub_key, sub_type = memb_post, memb_key, memb_type
    keys, first, n_posts = np.unique(sub_key, return_index=True, return_counts=True)
    types = sub_type[first].astype(np.uint8)
    n_platforms = _distinct_per_key(sub_key, platform[sub_post], keys)
    n_kinds = _distinct_per_key(sub_key, kind[sub_post], keys)
    tw = np.array([cfg.type_weight.get(t, 0.5) for t in ENTITY_TYPES], dtype=np.float64)[types]
    rarity = 1.0 - np.log(np.maximum(n_posts, 1)) / np.log(cfg.max_posts + 1)
    weight = tw * (0.5 + 0.5 * np.clip(rarity, 0.0, 1.0))
    spread = (n_posts >= cfg.spread_min_posts) & (
        (n_platforms > cfg.spread_max_platforms) | (n_kinds > cfg.spread_max_kinds)
    )
    n_groups = np.zeros(len(keys), dtype=np.int64)
    n_with = np.zeros(len(keys), dtype=np.int64)
    cand = np.flatnonzero((n_posts >= cfg.unrelated_min_groups) & (n_posts <= cfg.max_posts))
    if len(cand):
        # Only the memberships of the candidates' posts matter: cut the arrays down once.
        cand_posts = np.unique(sub_post[np.isin(sub_key, keys[cand])])
        near = np.isin(memb_post, cand_posts)
        index = _Memberships(memb_post[near], memb_key[near])
        for c in cand.tolist():
            n_with[c], n_groups[c] = unrelated_groups(index, int(keys[c]))
    unrelated = (n_groups >= cfg.unrelated_min_groups) & (n_groups >= cfg.unrelated_share * np.maximum(n_with, 1))
    hub = (n_posts > cfg.max_posts) | spread | unrelated
    strong = weight >= cfg.strong_weight
    return EntityStats(
        keys, types, n_posts.astype(np.int64), n_platforms, n_kinds, n_groups, n_with, weight, hub, strong
    )


def hub_reason(stats: EntityStats, row: int, cfg: IdentifierConfig) -> str:
    """Why an entity is a hub, in words for the analyst."""
    if stats.n_posts[row] > cfg.max_posts:
        return HUB_TOO_MANY.format(max_posts=cfg.max_posts)
    if stats.n_platforms[row] > cfg.spread_max_platforms or stats.n_kinds[row] > cfg.spread_max_kinds:
        return HUB_SPREAD.format(platforms=int(stats.n_platforms[row]), kinds=int(stats.n_kinds[row]))
    return HUB_UNRELATED.format(groups=int(stats.n_groups[row]))
