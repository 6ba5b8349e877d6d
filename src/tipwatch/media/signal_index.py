"""The index of one signal type's bank entries: what ``SignalType.get_index_cls`` names and ``MatchIndex`` holds.

- ``ExactIndex`` (md5, sha256, any exact type): the hashes as sorted fixed-size byte strings, found by binary search
  (no Python dict of 10M entries).
- ``NearIndex`` (pdq, any near type): the exact multi-index Hamming search of ``tipwatch.media.hamming``, each row
  with its own threshold (the bank's, or the type's default).

Rows point into ``MatchIndex.banks`` by position (``bank_idx``) and carry their bank entry id. Read-only once built.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from tipwatch.media.hamming import HammingIndex


def as_words(raw: np.ndarray) -> np.ndarray:
    """(n, k) uint64 words from (n, nbytes) uint8 hashes, zero-padded to whole words (zeros on both sides of an
    XOR add no distance). For 32-byte PDQ hashes this is ``pdq.pack``: the same view, no copy."""
    raw = np.ascontiguousarray(raw, dtype=np.uint8)
    if raw.shape[1] % 8:
        raw = np.pad(raw, ((0, 0), (0, 8 - raw.shape[1] % 8)))
    return raw.view(np.uint64)


class SignalIndex(ABC):
    """One signal type's entries."""

    bank_idx: np.ndarray  # int32 positions in MatchIndex.banks
    entry_ids: np.ndarray  # int64
    thresholds: np.ndarray  # int32: the largest distance that matches, per row

    @classmethod
    @abstractmethod
    def build(cls, raw: np.ndarray, bank_idx: np.ndarray, entry_ids: np.ndarray, thresholds: np.ndarray) -> SignalIndex:
        """From (n, nbytes) uint8 hashes and, per row, its bank position, entry id and threshold."""

    @abstractmethod
    def query(self, hashes: Sequence[bytes]) -> list[tuple[int, int, int]]:
        """(row, distance, position in ``hashes``) of every entry within its threshold of one of ``hashes``: for each
        row the closest query hash, ties going to the earlier one."""

    @abstractmethod
    def __len__(self) -> int: ...

    @property
    @abstractmethod
    def nbytes(self) -> int: ...


class ExactIndex(SignalIndex):
    def __init__(self, values: np.ndarray, bank_idx: np.ndarray, entry_ids: np.ndarray) -> None:
        order = np.argsort(values, kind="stable")
        self.values = values[order]  # sorted fixed-size bytes ("S16" / "S32")
        self.bank_idx = np.asarray(bank_idx, np.int32)[order]
        self.entry_ids = np.asarray(entry_ids, np.int64)[order]
        self.thresholds = np.zeros(len(order), np.int32)

    @classmethod
    def build(cls, raw: np.ndarray, bank_idx: np.ndarray, entry_ids: np.ndarray, thresholds: np.ndarray) -> ExactIndex:
        width = raw.shape[1]
        return cls(np.ascontiguousarray(raw, dtype=np.uint8).view(f"S{width}").reshape(-1), bank_idx, entry_ids)

    def query(self, hashes: Sequence[bytes]) -> list[tuple[int, int, int]]:
        out: list[tuple[int, int, int]] = []
        seen: set[int] = set()
        for q, value in enumerate(hashes):
            key = np.array([value], dtype=self.values.dtype)
            lo = int(np.searchsorted(self.values, key, side="left")[0])
            hi = int(np.searchsorted(self.values, key, side="right")[0])
            out += [(r, 0, q) for r in range(lo, hi) if r not in seen]
            seen.update(range(lo, hi))
        return out

    def __len__(self) -> int:
        return len(self.values)

    @property
    def nbytes(self) -> int:
        return int(self.values.nbytes + self.bank_idx.nbytes + self.entry_ids.nbytes + self.thresholds.nbytes)


class NearIndex(SignalIndex):
    def __init__(self, words: np.ndarray, bank_idx: np.ndarray, entry_ids: np.ndarray, thresholds: np.ndarray) -> None:
        self.hamming = HammingIndex(words, width=words.shape[1] if words.ndim == 2 else 4)
        self.bank_idx = np.asarray(bank_idx, dtype=np.int32)
        self.entry_ids = np.asarray(entry_ids, dtype=np.int64)
        self.thresholds = np.asarray(thresholds, dtype=np.int32)
        # Search once at the largest threshold; each row's own threshold is applied after verification.
        self.radius = int(self.thresholds.max()) if len(self.thresholds) else -1

    @classmethod
    def build(cls, raw: np.ndarray, bank_idx: np.ndarray, entry_ids: np.ndarray, thresholds: np.ndarray) -> NearIndex:
        return cls(as_words(raw), bank_idx, entry_ids, thresholds)

    def query(self, hashes: Sequence[bytes]) -> list[tuple[int, int, int]]:
        if not hashes or self.radius < 0:
            return []
        raw = np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(len(hashes), -1)
        qi, rows, dist = self.hamming.search(as_words(raw), self.radius)
        keep = dist <= self.thresholds[rows]
        qi, rows, dist = qi[keep], rows[keep], dist[keep]
        best: dict[int, tuple[int, int]] = {}
        for q, r, d in zip(qi.tolist(), rows.tolist(), dist.tolist(), strict=True):
            if r not in best or (d, q) < best[r]:
                best[r] = (d, q)
        return [(r, d, q) for r, (d, q) in best.items()]

    def __len__(self) -> int:
        return len(self.hamming)

    @property
    def nbytes(self) -> int:
        return int(self.hamming.nbytes + self.bank_idx.nbytes + self.entry_ids.nbytes + self.thresholds.nbytes)
