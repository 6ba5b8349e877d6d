"""The multi-index Hamming search returns exactly what a full scan returns."""

from __future__ import annotations

import numpy as np
import pytest

from tipwatch.media.hamming import HammingIndex, distances, flip_masks, hamming, pair_distances, popcount_rows, scan
from tipwatch.media.pdq import pack


def _near(rng: np.random.Generator, base: np.ndarray, bits: int) -> np.ndarray:
    out = base.copy()
    flat = out.view(np.uint8).reshape(-1)
    for b in rng.choice(256, size=bits, replace=False):
        flat[b // 8] ^= np.uint8(1 << (b % 8))
    return out


@pytest.mark.parametrize("radius", [0, 5, 15, 16, 31, 32, 40, 47, 60])
def test_search_equals_scan(radius: int) -> None:
    rng = np.random.default_rng(radius)
    base = rng.integers(0, 2**64, size=(300, 4), dtype=np.uint64)
    # Plant neighbours at every distance around the radius so both sides of the boundary are exercised.
    planted = [_near(rng, base[i % 300], d) for i, d in enumerate(range(0, 70))]
    words = np.vstack([base, *[p[None] for p in planted]])
    queries = np.vstack([base[:40], rng.integers(0, 2**64, size=(5, 4), dtype=np.uint64)])
    index = HammingIndex(words)
    got = index.search(queries, radius)
    want = scan(words, queries, radius)
    got_set = set(zip(*(a.tolist() for a in got), strict=True))
    want_set = set(zip(*(a.tolist() for a in want), strict=True))
    assert got_set == want_set
    assert len(got_set) == len(got[0])  # each pair once
    assert all(d <= radius for _, _, d in got_set)


@pytest.mark.parametrize(("width", "radius"), [(1, 0), (1, 3), (1, 4), (1, 10), (1, 12), (2, 9), (2, 20)])
def test_shorter_hashes_search_equals_scan(width: int, radius: int) -> None:
    # Near signal types of 64 or 128 bits use the same search with 4 or 8 segments.
    rng = np.random.default_rng(100 * width + radius)
    bits = 64 * width
    base = rng.integers(0, 2**64, size=(300, width), dtype=np.uint64)
    planted = []
    for i, d in enumerate(range(0, 2 * radius + 3)):
        p = base[i % 300].copy()
        flat = p.view(np.uint8)
        for b in rng.choice(bits, size=d, replace=False):
            flat[b // 8] ^= np.uint8(1 << (b % 8))
        planted.append(p[None])
    words = np.vstack([base, *planted])
    queries = base[:40]
    index = HammingIndex(words, width=width)
    got = set(zip(*(a.tolist() for a in index.search(queries, radius)), strict=True))
    want = set(zip(*(a.tolist() for a in scan(words, queries, radius)), strict=True))
    assert got == want and len(want) >= 40


def test_many_queries_span_batches() -> None:
    rng = np.random.default_rng(9)
    words = rng.integers(0, 2**64, size=(2000, 4), dtype=np.uint64)
    queries = np.vstack([words, words[:500]])  # 2500 queries: more than one internal batch
    qi, rows, d = HammingIndex(words).search(queries, 31)
    assert set(zip(qi.tolist(), rows.tolist(), strict=True)) >= {(i, i) for i in range(2000)} | {
        (2000 + i, i) for i in range(500)
    }
    assert (d == 0).sum() >= 2500


def test_empty_index_and_masks() -> None:
    assert len(HammingIndex(np.empty((0, 4), np.uint64)).search(np.zeros((1, 4), np.uint64), 31)[0]) == 0
    assert flip_masks(0).tolist() == [0]
    assert len(flip_masks(1)) == 17 and len(flip_masks(2)) == 1 + 16 + 120


def test_pickles_compactly_for_pool_workers() -> None:
    import pickle

    rng = np.random.default_rng(4)
    words = rng.integers(0, 2**64, size=(5000, 4), dtype=np.uint64)
    index = HammingIndex(words)
    blob = pickle.dumps(index)
    assert len(blob) < index.nbytes * 1.05  # the flat views are not pickled a second time
    back = pickle.loads(blob)
    got, want = back.search(words[:50], 31), index.search(words[:50], 31)
    assert all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))


def test_one_distance_for_every_layout() -> None:
    # Bytes, raw (n, 32) uint8 rows and packed (n, 4) uint64 words all give the bit-by-bit distance.
    rng = np.random.default_rng(3)
    raw = rng.integers(0, 256, size=(50, 32), dtype=np.uint8)
    reference = np.unpackbits(raw ^ raw[7], axis=1).sum(axis=1)
    assert distances(raw, raw[7]).tolist() == reference.tolist()
    assert distances(pack(raw), pack(raw[7:8])[0]).tolist() == reference.tolist()
    assert popcount_rows(pack(raw) ^ pack(raw[7:8])[0]).tolist() == reference.tolist()
    assert [hamming(bytes(r), bytes(raw[7])) for r in raw] == reference.tolist()
    a = rng.integers(0, 50, size=200)
    b = rng.integers(0, 50, size=200)
    want = [int(np.unpackbits(raw[i] ^ raw[j]).sum()) for i, j in zip(a, b, strict=True)]
    assert pair_distances(raw, a, b, step=7).tolist() == want
