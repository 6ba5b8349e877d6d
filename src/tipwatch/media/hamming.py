"""Exact Hamming-radius search over 256-bit hashes (and any whole number of 64-bit words): a multi-index hash
(MIH) in numpy.

Why not a flat scan: a 1M-hash bank with 8 dihedral queries is 8M 256-bit comparisons per image; numpy does that in
~190 ms and FAISS IndexBinaryFlat in ~8 ms on this machine's core, over the 5 ms target (docs/decisions-media.md).
MIH (Norouzi et al., "Fast search in Hamming space with multi-index hashing", CVPR 2012) splits each hash into
16 segments of 16 bits. By pigeonhole, two hashes within distance d agree on some segment to within floor(d/16)
bits, so for d <= 31 it is enough to look up, per segment, the query's 16-bit value and its 16 one-bit neighbours in
a bucket table, then verify those few candidates exactly. The result is exact: the same hits as a full scan.

Layout: ``perm[s]`` lists row numbers sorted by segment s; ``offsets[s, v] .. offsets[s, v + 1]`` is the slice of
``perm[s]`` whose segment value is v. Memory per hash: 32 bytes (words) + 16 * 4 (perm) = 96 bytes; 10M hashes
take about 1 GB. Near signal types of other lengths use the same search with one 16-bit segment per 16 bits (a 64-bit
hash: 4 segments, exact up to distance 11).
"""

from __future__ import annotations

import itertools

import numpy as np

SEGMENTS = 16
SEGMENT_BITS = 16
_BUCKETS = 1 << SEGMENT_BITS
# Past this per-segment radius the bucket probes outnumber a scan's work; fall back to the flat scan.
_MAX_PROBE_RADIUS = 2
_QUERY_BATCH = 1024


def flip_masks(radius: int) -> np.ndarray:
    """All 16-bit masks with at most ``radius`` bits set (the probe pattern around a segment value)."""
    masks = [0]
    for r in range(1, radius + 1):
        for bits in itertools.combinations(range(SEGMENT_BITS), r):
            masks.append(sum(1 << b for b in bits))
    return np.array(masks, dtype=np.int64)


def popcount_rows(xored: np.ndarray) -> np.ndarray:
    """Set bits of each row of an (n, k) unsigned array (int32): the Hamming distances of XORed hashes.

    Every Hamming distance in tipwatch goes through here (packed (n, 4) uint64 words or raw (n, 32) uint8 bytes).
    """
    c = np.bitwise_count(xored)
    if c.ndim == 2 and c.shape[1] == 4:
        # Four column adds beat a sum over a 4-wide axis (the match index's hot path).
        return c[:, 0].astype(np.int32) + c[:, 1] + c[:, 2] + c[:, 3]
    return c.sum(axis=-1, dtype=np.int32)


def distances(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distance of each row of ``rows`` to one ``query`` of the same layout ((4,) words or (32,) bytes)."""
    return popcount_rows(np.asarray(rows) ^ np.asarray(query))


def pair_distances(rows: np.ndarray, a: np.ndarray, b: np.ndarray, *, step: int = 500_000) -> np.ndarray:
    """Hamming distance between rows ``a[i]`` and ``b[i]`` of (n, 32) uint8 hashes (int64), ``step`` pairs at a time
    so that the XORed rows never take more than a few MB."""
    words = np.ascontiguousarray(rows, dtype=np.uint8).view(np.uint64).reshape(-1, 4)
    out = np.empty(len(a), dtype=np.int64)
    for lo in range(0, len(a), step):
        out[lo : lo + step] = popcount_rows(words[a[lo : lo + step]] ^ words[b[lo : lo + step]])
    return out


def hamming(a: bytes, b: bytes) -> int:
    """Hamming distance between two hashes of equal length given as bytes."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def scan(words: np.ndarray, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat scan (reference and fallback): (query index, row, distance) for every pair within ``radius``."""
    qs, rows, ds = [], [], []
    width = words.shape[1] if words.ndim == 2 else 4
    for qi, q in enumerate(np.asarray(queries, dtype=np.uint64).reshape(-1, width)):
        d = popcount_rows(words ^ q)
        hit = np.flatnonzero(d <= radius)
        qs.append(np.full(hit.size, qi, dtype=np.int64))
        rows.append(hit.astype(np.int64))
        ds.append(d[hit])
    if not qs:
        return _empty()
    return np.concatenate(qs), np.concatenate(rows), np.concatenate(ds).astype(np.int32)


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)


class HammingIndex:
    """Exact radius search over n packed hashes of ``width`` 64-bit words ((n, 4) uint64 for PDQ, see pdq.pack)."""

    def __init__(self, words: np.ndarray, *, width: int = 4) -> None:
        self.width = width
        self.segments = width * 4  # 16-bit segments: SEGMENTS for a 256-bit hash
        self.words = np.ascontiguousarray(words, dtype=np.uint64).reshape(-1, width)
        n = self.words.shape[0]
        if n >= 2**31:
            raise ValueError("HammingIndex holds at most 2**31 - 1 hashes")
        segs = self.words.view(np.uint16).reshape(n, self.segments)
        self.perm = np.empty((self.segments, n), dtype=np.int32)
        self.offsets = np.zeros((self.segments, _BUCKETS + 1), dtype=np.int64)
        for s in range(self.segments):
            col = segs[:, s]
            # A stable sort of 16-bit keys is a radix sort in numpy: linear time.
            self.perm[s] = np.argsort(col, kind="stable")
            np.cumsum(np.bincount(col, minlength=_BUCKETS), out=self.offsets[s, 1:])
        self._perm_flat = self.perm.reshape(-1)
        self._offsets_flat = self.offsets.reshape(-1)
        self._masks: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return int(self.words.shape[0])

    # Pickle (to pool workers) only the base arrays: numpy would copy the flat views separately, doubling the size.
    def __getstate__(self) -> dict[str, np.ndarray]:
        return {"words": self.words, "perm": self.perm, "offsets": self.offsets}

    def __setstate__(self, state: dict[str, np.ndarray]) -> None:
        self.words, self.perm, self.offsets = state["words"], state["perm"], state["offsets"]
        self.width = int(self.words.shape[1])
        self.segments = self.width * 4
        self._perm_flat = self.perm.reshape(-1)
        self._offsets_flat = self.offsets.reshape(-1)
        self._masks = {}

    @property
    def nbytes(self) -> int:
        return int(self.words.nbytes + self.perm.nbytes + self.offsets.nbytes)

    def search(self, queries: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (query index, row, distance) with distance <= radius, each pair once, sorted by query then row."""
        q = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1, self.width)
        if len(self) == 0 or q.shape[0] == 0 or radius < 0:
            return _empty()
        per_segment = radius // self.segments
        if per_segment > _MAX_PROBE_RADIUS:
            return scan(self.words, q, radius)
        parts = [
            self._search_batch(q[i : i + _QUERY_BATCH], radius, per_segment) for i in range(0, len(q), _QUERY_BATCH)
        ]
        qi = np.concatenate([p[0] + i * _QUERY_BATCH for i, p in enumerate(parts)])
        rows = np.concatenate([p[1] for p in parts])
        ds = np.concatenate([p[2] for p in parts])
        return qi, rows, ds

    def _search_batch(self, q: np.ndarray, radius: int, per_segment: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        masks = self._masks.get(per_segment)
        if masks is None:
            masks = self._masks[per_segment] = flip_masks(per_segment)
        k, n, segments = q.shape[0], len(self), self.segments
        qsegs = q.view(np.uint16).reshape(k, segments).astype(np.int64)
        # (k, 16, m) bucket numbers in the flattened offsets table.
        seg_base = (np.arange(segments, dtype=np.int64) * (_BUCKETS + 1))[None, :, None]
        buckets = (qsegs[:, :, None] ^ masks[None, None, :]) + seg_base
        starts = self._offsets_flat[buckets]
        counts = (self._offsets_flat[buckets + 1] - starts).reshape(-1)
        total = int(counts.sum())
        if total == 0:
            return _empty()
        perm_base = (starts + (np.arange(segments, dtype=np.int64) * n)[None, :, None]).reshape(-1)
        # Expand each (bucket, count) into its perm positions without a Python loop.
        first = np.cumsum(counts) - counts
        pos = np.arange(total, dtype=np.int64) + np.repeat(perm_base - first, counts)
        # np.take, not fancy indexing: for row gathers it is ~10x faster in numpy 2.
        rows = np.take(self._perm_flat, pos).astype(np.int64)
        probes_per_query = segments * masks.size
        qi = np.repeat(np.repeat(np.arange(k, dtype=np.int64), probes_per_query), counts)
        d = popcount_rows(np.take(self.words, rows, axis=0) ^ np.take(q, qi, axis=0))
        keep = d <= radius
        qi, rows, d = qi[keep], rows[keep], d[keep]
        # A hit is found once per agreeing segment; keep one.
        key = qi * n + rows
        key, first_idx = np.unique(key, return_index=True)
        return qi[first_idx], rows[first_idx], d[first_idx]
