"""The match index over all enabled banks: PDQ by Hamming radius (all 8 dihedral variants in one pass), MD5 and
SHA-256 by exact lookup. Built once from the store (``tipwatch.services.matching.load_index``), then read-only:
cheap to share with a process pool by fork or pickle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from tipwatch.media.hamming import HammingIndex
from tipwatch.media.pdq import DIHEDRAL_NAMES, MIN_QUALITY, pack
from tipwatch.media_model import BankMatch

_EXACT_BYTES = {"md5": 16, "sha256": 32}


@dataclass(slots=True, frozen=True)
class BankRef:
    id: int
    name: str
    is_abuse_material: bool
    pdq_threshold: int


@dataclass(slots=True)
class _Exact:
    values: np.ndarray  # sorted fixed-size bytes ("S16" / "S32")
    bank_idx: np.ndarray  # int32 positions in MatchIndex.banks
    entry_ids: np.ndarray  # int64


class MatchIndex:
    """Read-only index. ``banks`` lists the banks it was built from; rows point into it by position."""

    def __init__(
        self,
        banks: Sequence[BankRef],
        pdq_words: np.ndarray,
        pdq_bank_idx: np.ndarray,
        pdq_entry_ids: np.ndarray,
        exact: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        self.banks = list(banks)
        self.pdq = HammingIndex(pdq_words)
        self.pdq_bank_idx = np.asarray(pdq_bank_idx, dtype=np.int32)
        self.pdq_entry_ids = np.asarray(pdq_entry_ids, dtype=np.int64)
        thresholds = np.array([b.pdq_threshold for b in self.banks] or [0], dtype=np.int32)
        self.pdq_threshold = thresholds[self.pdq_bank_idx] if len(self.pdq_bank_idx) else np.empty(0, np.int32)
        self.radius = int(self.pdq_threshold.max()) if len(self.pdq_threshold) else -1
        self.exact: dict[str, _Exact] = {}
        for stype, (values, bidx, eids) in (exact or {}).items():
            order = np.argsort(values, kind="stable")
            self.exact[stype] = _Exact(values[order], np.asarray(bidx, np.int32)[order], np.asarray(eids)[order])

    @classmethod
    def from_entries(
        cls, banks: Sequence[BankRef], entries: Iterable[tuple[int, int, str, str]], *, chunk: int = 100_000
    ) -> MatchIndex:
        """Build from (bank position, entry id, signal type, lower-case hex) tuples.

        Entries are turned into numpy arrays a chunk at a time, so building a 10M-hash index never holds 10M Python
        objects at once.
        """
        parts: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {"pdq": [], "md5": [], "sha256": []}
        pending: dict[str, tuple[list[str], list[int], list[int]]] = {k: ([], [], []) for k in parts}

        def flush(stype: str) -> None:
            hexes, bidx, eids = pending[stype]
            if hexes:
                width = 32 if stype == "pdq" else _EXACT_BYTES[stype]
                raw = np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(-1, width)
                parts[stype].append((raw, np.array(bidx, np.int32), np.array(eids, np.int64)))
                hexes.clear()
                bidx.clear()
                eids.clear()

        for bank_pos, entry_id, stype, value in entries:
            slot = pending.get(stype)
            if slot is None:
                continue
            slot[0].append(value)
            slot[1].append(bank_pos)
            slot[2].append(entry_id)
            if len(slot[0]) >= chunk:
                flush(stype)
        for stype in parts:
            flush(stype)

        def joined(stype: str, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            chunks = parts[stype]
            if not chunks:
                return np.empty((0, width), np.uint8), np.empty(0, np.int32), np.empty(0, np.int64)
            return (
                np.concatenate([c[0] for c in chunks]),
                np.concatenate([c[1] for c in chunks]),
                np.concatenate([c[2] for c in chunks]),
            )

        pdq_raw, pdq_bank, pdq_ids = joined("pdq", 32)
        exact = {}
        for stype, width in _EXACT_BYTES.items():
            raw, bidx, eids = joined(stype, width)
            if len(raw):
                exact[stype] = (np.ascontiguousarray(raw).view(f"S{width}").reshape(-1), bidx, eids)
        return cls(banks, pack(pdq_raw), pdq_bank, pdq_ids, exact)

    def __len__(self) -> int:
        return len(self.pdq) + sum(len(e.values) for e in self.exact.values())

    @property
    def nbytes(self) -> int:
        exact = sum(e.values.nbytes + e.bank_idx.nbytes + e.entry_ids.nbytes for e in self.exact.values())
        pdq = self.pdq.nbytes + self.pdq_bank_idx.nbytes + self.pdq_entry_ids.nbytes + self.pdq_threshold.nbytes
        return int(pdq + exact)

    def match_pdq(self, variants: Sequence[bytes], quality: int | None) -> list[BankMatch]:
        """Hits for a query image given its dihedral PDQ hashes (order DIHEDRAL_NAMES; one hash = original only).

        Hashes under quality 50 are skipped: they describe flat images and match far too much. For each bank entry
        the closest variant is reported, ties going to the earlier variant (the original first).
        """
        if not variants or self.radius < 0 or quality is None or quality < MIN_QUALITY:
            return []
        qi, rows, dist = self.pdq.search(pack(list(variants)), self.radius)
        keep = dist <= self.pdq_threshold[rows]
        qi, rows, dist = qi[keep], rows[keep], dist[keep]
        best: dict[int, tuple[int, int]] = {}
        for q, r, d in zip(qi.tolist(), rows.tolist(), dist.tolist(), strict=True):
            if r not in best or (d, q) < best[r]:
                best[r] = (d, q)
        out = []
        for r, (d, q) in best.items():
            bank = self.banks[int(self.pdq_bank_idx[r])]
            out.append(
                BankMatch(
                    bank.id,
                    bank.name,
                    int(self.pdq_entry_ids[r]),
                    "pdq",
                    d,
                    DIHEDRAL_NAMES[q],
                    bank.is_abuse_material,
                    bank.pdq_threshold,
                )
            )
        return sorted(out, key=lambda m: (m.distance, m.bank_name, m.entry_id))

    def match_exact(self, signal_type: str, hex_value: str | None) -> list[BankMatch]:
        table = self.exact.get(signal_type)
        if table is None or not hex_value:
            return []
        key = np.array([bytes.fromhex(hex_value)], dtype=table.values.dtype)
        lo = int(np.searchsorted(table.values, key, side="left")[0])
        hi = int(np.searchsorted(table.values, key, side="right")[0])
        out = []
        for i in range(lo, hi):
            bank = self.banks[int(table.bank_idx[i])]
            out.append(
                BankMatch(bank.id, bank.name, int(table.entry_ids[i]), signal_type, 0, "exact", bank.is_abuse_material)
            )
        return out

    def match(
        self, *, sha256: str | None, md5: str | None, dihedral: Sequence[str] | None, quality: int | None
    ) -> list[BankMatch]:
        """All hits for one image: exact SHA-256 and MD5, then PDQ (hex hashes, as ImageHashes carries them)."""
        hits = self.match_exact("sha256", sha256) + self.match_exact("md5", md5)
        if dihedral:
            hits += self.match_pdq([bytes.fromhex(h) for h in dihedral], quality)
        return hits


__all__ = ["BankMatch", "BankRef", "MatchIndex"]
