from __future__ import annotations

import itertools

import numpy as np
import pytest

from tipwatch.link import lsh
from tipwatch.link.lsh import band_keys, candidate_pairs, pairs_in_groups, similar_pairs


def test_pairs_in_groups_enumerates_every_pair_once() -> None:
    sizes = [1, 4, 2, 7, 1]
    end = np.repeat(np.cumsum(sizes), sizes)
    order = np.arange(sum(sizes))[::-1].copy()
    a, b = pairs_in_groups(order, end)
    got = {tuple(sorted(p)) for p in zip(a.tolist(), b.tolist(), strict=True)}
    want = set()
    start = 0
    for s in sizes:
        want |= {tuple(sorted((order[i], order[j]))) for i, j in itertools.combinations(range(start, start + s), 2)}
        start += s
    assert got == want and len(a) == len(want)


def test_candidates_are_posts_sharing_a_band_with_a_dirty_end() -> None:
    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32, size=(6, 8), dtype=np.uint64).astype(np.uint32)
    sigs[1, :4] = sigs[0, :4]  # 0 and 1 share band 0
    sigs[3, 4:] = sigs[2, 4:]  # 2 and 3 share band 1
    members = np.arange(6)
    keys = band_keys(sigs, 2, 4)
    dirty = np.ones(6, dtype=bool)
    a, b = candidate_pairs(keys, members, dirty)
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 1), (2, 3)]
    dirty[:] = False
    dirty[3] = True
    a, b = candidate_pairs(keys, members, dirty)
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(2, 3)]


def test_the_small_batch_path_finds_the_same_pairs_as_the_sorting_path() -> None:
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 40, size=(500, 3)).astype(np.uint64)  # many collisions
    members = np.arange(500) * 2  # post indices need not be contiguous
    dirty = np.zeros(1000, dtype=bool)
    few = rng.choice(members, size=10, replace=False)
    dirty[few] = True
    a, b = candidate_pairs(keys, members, dirty)  # 10 dirty of 500: the search path
    many = dirty.copy()
    many[members[:200]] = True
    a2, b2 = candidate_pairs(keys, members, many)  # the sorting path, then keep pairs touching the ten
    keep = dirty[a2] | dirty[b2]
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == sorted(
        zip(a2[keep].tolist(), b2[keep].tolist(), strict=True)
    )
    assert len(a) > 0 and all(dirty[x] or dirty[y] for x, y in zip(a, b, strict=True))


def _brute(keys: np.ndarray, dirty: np.ndarray, max_bucket: int | None) -> set[tuple[int, int]]:
    """Every pair sharing a band key in a bucket of at most max_bucket, with a dirty end."""
    out: set[tuple[int, int]] = set()
    for j in range(keys.shape[1]):
        vals, counts = np.unique(keys[:, j], return_counts=True)
        for v, c in zip(vals.tolist(), counts.tolist(), strict=True):
            if c < 2 or (max_bucket is not None and c > max_bucket):
                continue
            rows = np.flatnonzero(keys[:, j] == v).tolist()
            out |= {(a, b) for a, b in itertools.combinations(rows, 2) if dirty[a] or dirty[b]}
    return out


def test_both_paths_and_the_scored_search_skip_buckets_over_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # The few-dirty path once expanded buckets of any size, so an incremental update found pairs a full build
    # drops (max_bucket); similar_pairs must give the same pairs, each scored once.
    rng = np.random.default_rng(3)
    n, bands = 400, 6
    keys = rng.integers(0, 40, size=(n, bands)).astype(np.uint64)  # buckets of ~10 members
    keys[:50, 2] = 7  # one big bucket in band 2
    members = np.arange(n)
    for n_dirty in (5, 400):
        dirty = np.zeros(n, dtype=bool)
        dirty[rng.choice(n, n_dirty, replace=False)] = True
        for max_bucket in (None, 12, 30):
            want = _brute(keys, dirty, max_bucket)
            a, b = candidate_pairs(keys, members, dirty, max_bucket)
            assert set(zip(a.tolist(), b.tolist(), strict=True)) == want
            seen: list[tuple[int, int]] = []

            def score(x: np.ndarray, y: np.ndarray, seen: list[tuple[int, int]] = seen) -> np.ndarray:
                seen.extend(zip(x.tolist(), y.tolist(), strict=True))
                return ((x + y) % 3 == 0).astype(np.float32)

            sa, sb, s, big = similar_pairs(keys, members, dirty, max_bucket, score, 0.5)
            assert sorted(seen) == sorted(want)  # every candidate scored exactly once
            assert set(zip(sa.tolist(), sb.tolist(), strict=True)) == {p for p in want if sum(p) % 3 == 0}
            assert (s == 1.0).all() and list(sa) == sorted(sa)
            assert (len(big[2]) > 0) == (max_bucket is not None)
            # Bands on threads, candidates in small slices: each still scored once, the same result, same order.
            seen.clear()
            monkeypatch.setattr(lsh, "_SLICE", 7)
            ta, tb, ts, tbig = similar_pairs(keys, members, dirty, max_bucket, score, 0.5, threads=3)
            monkeypatch.undo()
            assert sorted(seen) == sorted(want)
            assert (ta == sa).all() and (tb == sb).all() and (ts == s).all()
            assert all((x == y).all() for x, y in zip(tbig, big, strict=True))
