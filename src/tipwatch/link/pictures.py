"""Near-copies of pictures from their PDQ hashes: pairs within a Hamming radius, found by byte-sampling LSH.

Why not the exact multi-index search (tipwatch.media.hamming): at radius 31 it probes 17 buckets in each of 16
16-bit segments, and with a million hashes each bucket holds ~15 of them by chance, so a self-join verifies billions
of candidates (measured: 10 s for 120k pictures, growing with n squared; docs/decisions-link.md). Here each of
``tables`` hash tables keys a picture by ``width`` of its 32 bytes, chosen at random once (seeded). Two copies within
distance d agree on 24 given bits with probability about (1 - d/256)^24: 0.045 at d = 31, so 100 tables find such a
pair with probability 0.99 (0.9996 at d = 25), while two unrelated pictures collide in a table with probability
2^-24. Candidates are then verified exactly. Pairs are a function of the two hashes only, so an incremental update
finds the same pairs as a full build.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tipwatch.link.lsh import candidate_pairs_by_band
from tipwatch.media.hamming import pair_distances

I64 = npt.NDArray[np.int64]


def table_bytes(tables: int, width: int, seed: int) -> npt.NDArray[np.int64]:
    """(tables, width) byte positions in 0..31, distinct within a table."""
    rng = np.random.default_rng(seed)
    return np.stack([np.sort(rng.choice(32, size=width, replace=False)) for _ in range(tables)]).astype(np.int64)


def near_pairs(
    pdq: npt.NDArray[np.uint8], query: npt.NDArray[np.bool_], radius: int, tables: npt.NDArray[np.int64]
) -> tuple[I64, I64, I64]:
    """Pairs (a < b) of rows of ``pdq`` ((n, 32) uint8) within ``radius`` bits, at least one of them in ``query``."""
    n = pdq.shape[0]
    pdq = np.ascontiguousarray(pdq, dtype=np.uint8)

    def band(j: int) -> npt.NDArray[np.uint64]:
        key = np.zeros(n, dtype=np.uint64)
        for pos in tables[j].tolist():
            key = (key << np.uint64(8)) | pdq[:, pos].astype(np.uint64)
        return key

    members = np.arange(n, dtype=np.int64)
    a, b = candidate_pairs_by_band(band, len(tables), members, query, key_bits=8 * tables.shape[1])
    d = pair_distances(pdq, a, b)
    ok = d <= radius
    return a[ok], b[ok], d[ok]
