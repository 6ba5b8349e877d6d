"""The match index over all enabled banks: one index per registered signal type (``SignalType.get_index_cls``):
exact types (MD5, SHA-256) by sorted-bytes lookup, near types (PDQ with all 8 dihedral variants in one pass, and any
near type registered later) by the exact multi-index Hamming search. Built once from the store
(``tipwatch.services.matching.load_index``), then read-only: cheap to share with a process pool by fork or pickle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tipwatch.media.pdq import DIHEDRAL_NAMES, MIN_QUALITY
from tipwatch.media.signal_index import ExactIndex, NearIndex, SignalIndex
from tipwatch.media.signal_types import signal_types
from tipwatch.media_model import BankMatch

# The variant a near match of a single (not dihedral) query hash reports: PDQ's name for the untransformed picture.
ORIGINAL = DIHEDRAL_NAMES[0]


@dataclass(slots=True, frozen=True)
class BankRef:
    id: int
    name: str
    is_abuse_material: bool
    pdq_threshold: int


class MatchIndex:
    """Read-only index. ``banks`` lists the banks it was built from; rows point into it by position.

    ``exact`` and ``near`` hold one index per signal type that has entries. The ``pdq_*`` arguments build the PDQ
    index from hashes already packed into words (``pdq.pack``), as the benchmarks do.
    """

    def __init__(
        self,
        banks: Sequence[BankRef],
        pdq_words: np.ndarray | None = None,
        pdq_bank_idx: np.ndarray | None = None,
        pdq_entry_ids: np.ndarray | None = None,
        *,
        tables: Mapping[str, SignalIndex] | None = None,
    ) -> None:
        self.banks = list(banks)
        all_tables = dict(tables or {})
        if pdq_words is not None and len(pdq_words):
            bank_idx = np.asarray(pdq_bank_idx, dtype=np.int32)
            thresholds = self._bank_thresholds()[bank_idx]
            all_tables["pdq"] = NearIndex(pdq_words, bank_idx, np.asarray(pdq_entry_ids), thresholds)
        self.exact: dict[str, ExactIndex] = {k: v for k, v in all_tables.items() if isinstance(v, ExactIndex)}
        self.near: dict[str, SignalIndex] = {k: v for k, v in all_tables.items() if not isinstance(v, ExactIndex)}

    def _bank_thresholds(self) -> np.ndarray:
        return np.array([b.pdq_threshold for b in self.banks] or [0], dtype=np.int32)

    @classmethod
    def from_entries(
        cls, banks: Sequence[BankRef], entries: Iterable[tuple[int, int, str, str]], *, chunk: int = 100_000
    ) -> MatchIndex:
        """Build from (bank position, entry id, signal type, lower-case hex) tuples; entries of a type that is not
        registered are left out (a bank may outlive the plugin that filled it).

        Entries are turned into numpy arrays a chunk at a time, so building a 10M-hash index never holds 10M Python
        objects at once.
        """
        types = {st.name: st for st in signal_types()}
        parts: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {k: [] for k in types}
        pending: dict[str, tuple[list[str], list[int], list[int]]] = {k: ([], [], []) for k in types}

        def flush(stype: str) -> None:
            hexes, bidx, eids = pending[stype]
            if hexes:
                width = types[stype].bits // 8
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

        index = cls(banks)
        bank_thresholds = index._bank_thresholds()
        for name, st in types.items():
            flush(name)
            chunks = parts[name]
            if not chunks:
                continue
            raw = np.concatenate([c[0] for c in chunks])
            bidx = np.concatenate([c[1] for c in chunks])
            eids = np.concatenate([c[2] for c in chunks])
            thresholds = bank_thresholds[bidx] if st.bank_threshold else np.full(len(bidx), st.default_threshold)
            table = st.get_index_cls().build(raw, bidx, eids, thresholds)
            if isinstance(table, ExactIndex):
                index.exact[name] = table
            else:
                index.near[name] = table
        return index

    def __len__(self) -> int:
        return sum(len(t) for t in self.exact.values()) + sum(len(t) for t in self.near.values())

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self.exact.values()) + sum(t.nbytes for t in self.near.values())

    def _hits(
        self, signal_type: str, table: SignalIndex, found: list[tuple[int, int, int]], variants: Sequence[str] | None
    ) -> list[BankMatch]:
        out = []
        for r, d, q in found:
            bank = self.banks[int(table.bank_idx[r])]
            variant = "exact" if variants is None else variants[q]
            threshold = None if variants is None else int(table.thresholds[r])
            out.append(
                BankMatch(
                    bank.id,
                    bank.name,
                    int(table.entry_ids[r]),
                    signal_type,
                    d,
                    variant,
                    bank.is_abuse_material,
                    threshold,
                )
            )
        return out

    def match_near(
        self, signal_type: str, hashes: Sequence[bytes], variants: Sequence[str] = (ORIGINAL,)
    ) -> list[BankMatch]:
        """Hits of a near type for one picture given as one or more hashes (``variants`` names them), closest first.

        For each bank entry the closest hash is reported, ties going to the earlier one (the original first).
        """
        table = self.near.get(signal_type)
        if table is None or not hashes:
            return []
        hits = self._hits(signal_type, table, table.query(hashes), variants)
        return sorted(hits, key=lambda m: (m.distance, m.bank_name, m.entry_id))

    def match_pdq(self, variants: Sequence[bytes], quality: int | None) -> list[BankMatch]:
        """Hits for a query image given its dihedral PDQ hashes (order DIHEDRAL_NAMES; one hash = original only).

        Hashes under quality 50 are skipped: they describe flat images and match far too much.
        """
        if quality is None or quality < MIN_QUALITY:
            return []
        return self.match_near("pdq", variants, DIHEDRAL_NAMES)

    def match_exact(self, signal_type: str, hex_value: str | None) -> list[BankMatch]:
        table = self.exact.get(signal_type)
        if table is None or not hex_value:
            return []
        return self._hits(signal_type, table, table.query([bytes.fromhex(hex_value)]), None)

    def match(
        self,
        *,
        sha256: str | None,
        md5: str | None,
        dihedral: Sequence[str] | None,
        quality: int | None,
        signals: Mapping[str, str] | None = None,
    ) -> list[BankMatch]:
        """All hits for one image: exact SHA-256 and MD5, then PDQ (hex hashes, as ImageHashes carries them), then
        every other registered type in ``signals`` (ImageHashes.signals)."""
        hits = self.match_exact("sha256", sha256) + self.match_exact("md5", md5)
        if dihedral:
            hits += self.match_pdq([bytes.fromhex(h) for h in dihedral], quality)
        for name, value in (signals or {}).items():
            if name in self.exact:
                hits += self.match_exact(name, value)
            elif name in self.near:
                hits += self.match_near(name, [bytes.fromhex(value)])
        return hits


__all__ = ["BankMatch", "BankRef", "MatchIndex"]
