from __future__ import annotations

import itertools

import numpy as np

from tipwatch.link.lsh import band_keys, candidate_pairs, pairs_in_groups


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
