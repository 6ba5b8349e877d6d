"""One update of the link state with a batch of new posts: links, then networks of the components touched.

A full build is the same update applied to an empty state with every post as the batch, so incremental and full
runs share one code path. Results are equal because every stage is defined per post or per pair, not per run:

- text pairs: a pair is linked iff the two posts collide in an LSH band and their Jaccard estimate reaches the
  threshold; only posts whose signature changed ("dirty": new, or holding a shingle that crossed the boilerplate
  cap) are re-paired;
- entities: an entity's weight and hub status are functions of its members, recomputed for the entities the batch
  touched;
- networks: clustering is per connected component and canonical in the post ids (cluster.py), so only components
  that gained or lost a link are reclustered.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from tipwatch.engines.local import default_workers
from tipwatch.link.arrays import group_rows, isin, isin_sorted, unique_sorted
from tipwatch.link.batch import Batch
from tipwatch.link.cluster import LinkGraph, cluster
from tipwatch.link.config import LinkConfig
from tipwatch.link.entities import (
    IMAGE_CODE,
    IMAGE_SHA256_CODE,
    EntityStats,
    entity_stats,
    entity_types,
    hub_codes,
    load_known_contacts,
    score,
)
from tipwatch.link.lsh import band_keys, on_threads, over_bound, similar_pairs
from tipwatch.link.pictures import near_pairs, table_bytes
from tipwatch.link.state import PAIR_SIGNALS, SIGNAL_CODE, LinkState
from tipwatch.link.textsig import I64, U32, U64, filter_csr, jaccard_estimate, minhash, perm_params

Bool = npt.NDArray[np.bool_]
F64 = npt.NDArray[np.float64]
TEXT = SIGNAL_CODE["text"]


@dataclass(slots=True)
class ExternalPairs:
    """Pairs found by another producer (e.g. PDQ image matches): post ids and a distance per pair."""

    signal: str
    a_ids: Sequence[str]
    b_ids: Sequence[str]
    distance: Sequence[float]


@dataclass(slots=True)
class Delta:
    """What an update changed, for the store: networks to write and to delete, posts whose links changed."""

    affected: I64
    networks: dict[str, I64]
    removed_networks: list[str]
    changed_keys: npt.NDArray[np.uint64]
    stats: EntityStats
    timings: dict[str, float] = field(default_factory=dict)
    # Per network: which signals link its posts and how much each weighed (bits), for its reasons.
    evidence: dict[str, list[str]] = field(default_factory=dict)


class Kernels:
    """Where an update's bulk per-post and per-pair work runs: MinHash signatures and the LSH candidate search with
    its Jaccard check. This class runs them here, on ``threads`` threads; link.spark.SparkKernels runs the same
    functions on a Spark cluster. Everything else in ``update`` is shared, and both give bit-identical results.
    """

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads

    def signatures(self, indptr: I64, ids: npt.NDArray[np.uint32], a: U64, b: U64) -> U32:
        """MinHash signatures of the CSR sets (textsig.minhash), rows split into one contiguous range per thread
        (MinHash's array arithmetic releases the GIL)."""
        n_sets = len(indptr) - 1
        cuts = np.linspace(0, n_sets, max(1, min(self.threads, n_sets)) + 1).astype(np.int64)
        parts = on_threads(
            lambda k: minhash(
                indptr[cuts[k] : cuts[k + 1] + 1] - indptr[cuts[k]], ids[indptr[cuts[k]] : indptr[cuts[k + 1]]], a, b
            ),
            len(cuts) - 1,
            self.threads,
        )
        return np.concatenate(parts)

    def similar(
        self,
        keys: U64,
        members: I64,
        search: Bool,
        max_bucket: int | None,
        sigs: U32,
        min_jaccard: float,
        big_keys: list[U64] | None,
    ) -> tuple[I64, I64, npt.NDArray[np.float32]]:
        """Pairs of ``members`` (post indices) meeting in an LSH band (``keys`` (len(members), bands)) within
        ``max_bucket``, one end in ``search``, whose Jaccard estimate reaches ``min_jaccard``: (a, b, J) sorted by
        (a, b), a < b (lsh.similar_pairs)."""
        a, b, j, _ = similar_pairs(
            keys,
            members,
            search,
            max_bucket,
            lambda x, y: jaccard_estimate(sigs, x, y),
            min_jaccard,
            big_keys,
            self.threads,
        )
        return a, b, j


def csr_take(indptr: I64, ids: npt.NDArray[np.uint32], rows: I64) -> tuple[I64, npt.NDArray[np.uint32]]:
    """The CSR rows ``rows`` as a CSR; all rows in order: the arrays themselves (not written to), no copy."""
    if len(rows) == len(indptr) - 1 and (len(rows) == 0 or (rows[0] == 0 and bool((np.diff(rows) == 1).all()))):
        return indptr, ids
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    out = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    pos = np.repeat(starts - out[:-1], lengths) + np.arange(int(out[-1]), dtype=np.int64)
    return out, ids[pos]


def _codes(vocab: list[str], values: Sequence[str]) -> npt.NDArray[np.int32]:
    index = {v: i for i, v in enumerate(vocab)}
    out = np.empty(len(values), dtype=np.int32)
    for i, v in enumerate(values):
        code = index.get(v)
        if code is None:
            code = index[v] = len(vocab)
            vocab.append(v)
        out[i] = code
    return out


def _pair_code(a: I64, b: I64) -> npt.NDArray[np.uint64]:
    return (np.minimum(a, b).astype(np.uint64) << np.uint64(32)) | np.maximum(a, b).astype(np.uint64)


def _joined(old: npt.NDArray[Any], new: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``old`` then ``new``; ``new`` itself when ``old`` is empty (a first build shares the batch's columns instead of
    copying them: 1 GB of shingle ids at 10M posts). The state never writes into these columns in place."""
    return new if len(old) == 0 and old.dtype == new.dtype else np.concatenate([old, new])


def _append(state: LinkState, batch: Batch, cfg: LinkConfig) -> None:
    n_old = state.n
    state.ids.extend(batch.ids)
    state.platform = np.concatenate([state.platform, _codes(state.platforms, batch.platform)])
    state.kind = np.concatenate([state.kind, _codes(state.kinds, batch.kind)])
    state.sh_indptr = np.concatenate([state.sh_indptr, batch.sh_indptr[1:] + state.sh_indptr[-1]])
    state.sh_ids = _joined(state.sh_ids, batch.sh_ids)
    state.sigs = np.concatenate([state.sigs, np.zeros((batch.n, cfg.text.num_perm), np.uint32)])
    state.textable = np.concatenate([state.textable, np.zeros(batch.n, bool)])
    state.contact = _joined(state.contact, batch.contact)
    state.memb_post = np.concatenate([state.memb_post, batch.memb_post + n_old])
    state.memb_key = _joined(state.memb_key, batch.memb_key)
    state.memb_type = _joined(state.memb_type, batch.memb_type)
    state.memb_footer = _joined(state.memb_footer, batch.memb_footer)
    state.comp = np.concatenate([state.comp, np.full(batch.n, -1, np.int64)])
    state.net = np.concatenate([state.net, np.full(batch.n, -1, np.int64)])
    state.text_rep = np.concatenate([state.text_rep, np.zeros(batch.n, bool)])


def _post_of_entry(indptr: I64) -> npt.NDArray[np.int32] | I64:
    """Post index of every CSR entry: int32 below 2**31 posts (one entry per shingle, 250M at 10M posts: half the
    memory of int64)."""
    n = len(indptr) - 1
    if n < 2**31:
        return np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    return np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))


def poster_groups(n: int, memb_post: I64, memb_key: npt.NDArray[np.uint64], personal: Bool) -> tuple[I64, int]:
    """Group per post: connected components over the personal values its posts share (-1: no personal value).

    These are the "otherwise unrelated" posters the evidence model counts: a template or a value used by many
    groups is common, one used within one group is that poster's own.
    """
    rows = np.flatnonzero(personal)
    group = np.full(n, -1, dtype=np.int64)
    if len(rows) == 0:
        return group, 0
    keys, kinv = np.unique(memb_key[rows], return_inverse=True)
    posts = memb_post[rows]
    m = coo_matrix((np.ones(len(rows), dtype=np.int8), (posts, n + kinv.ravel())), shape=(n + len(keys), n + len(keys)))
    _, labels = connected_components(m, directed=False)
    has = np.zeros(n, dtype=bool)
    has[posts] = True
    _, dense = np.unique(labels[:n][has], return_inverse=True)
    group[has] = dense.ravel()
    return group, int(dense.max()) + 1 if len(dense) else 0


@dataclass(slots=True)
class IdTable:
    """Values per shingle id (0 / False for an id not listed): a dense table over all ``2**shingle_bits`` ids when
    many are listed (one gather per lookup), else the sorted ids searched (a dense table costs ~0.3 s of page
    faults per 128 MB, the whole link stage's budget on a few thousand posts)."""

    ids: npt.NDArray[np.uint32]
    values: npt.NDArray[Any]
    dense: npt.NDArray[Any] | None

    @classmethod
    def build(cls, ids: npt.NDArray[np.uint32], values: npt.NDArray[Any], size: int) -> IdTable:
        """``ids`` sorted and distinct."""
        if len(ids) * 256 >= size:
            dense = np.zeros(size, dtype=values.dtype)
            dense[ids] = values
            return cls(ids, values, dense)
        return cls(ids, values, None)

    def __getitem__(self, ids: npt.NDArray[np.uint32]) -> npt.NDArray[Any]:
        if self.dense is not None:
            return self.dense[ids]
        out = np.zeros(len(ids), dtype=self.values.dtype)
        if len(self.ids):
            at = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
            hit = self.ids[at] == ids
            out[hit] = self.values[at[hit]]
        return out


def _shingle_bits(
    state: LinkState, group: I64, n_groups: int, cfg: LinkConfig
) -> tuple[npt.NDArray[np.uint32], IdTable]:
    """Evidence (bits) of sharing each shingle: log2(m * G / groups using it).

    A shingle used by one group is as telling as a rare phone; a stock phrase used by many otherwise unrelated
    posters tells little.
    """
    # (group, shingle) codes, each counted once per group; the temporaries are freed as soon as they are used (at
    # 10M posts each is 1-2 GB).
    code = group[_post_of_entry(state.sh_indptr)].astype(np.uint64)
    code <<= np.uint64(32)
    code |= state.sh_ids
    code.sort()
    first = np.ones(len(code), dtype=bool)
    first[1:] = code[1:] != code[:-1]
    sh = (code[first] & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    del code, first
    sh.sort()
    starts = np.flatnonzero(np.concatenate(([True], sh[1:] != sh[:-1]))) if len(sh) else np.zeros(0, np.int64)
    present: npt.NDArray[np.uint32] = sh[starts]
    gf = np.diff(np.append(starts, len(sh)))
    bits = np.log2(cfg.evidence.text_m * max(n_groups, 2) / gf).astype(np.float32)
    return present, IdTable.build(present, bits, 1 << cfg.text.shingle_bits)


def _update_signatures(
    state: LinkState,
    n_old: int,
    present: npt.NDArray[np.uint32],
    shingle_bits: IdTable,
    cfg: LinkConfig,
    kernels: Kernels,
) -> tuple[IdTable, npt.NDArray[np.bool_]]:
    """Mark the specific shingles, re-sign every post whose specific set changed; returns the specific-shingle
    mask and the dirty (re-signed) posts.

    A shingle is specific when sharing it is worth at least ``text.specific_bits`` (its chance use by otherwise
    unrelated posters is below 2^-specific_bits): the post's template signature holds only those.
    """
    tc = cfg.text
    spec_ids = present[shingle_bits.values >= tc.specific_bits]
    flipped_ids = np.setxor1d(spec_ids, state.specific, assume_unique=True)
    state.specific = spec_ids
    size = 1 << tc.shingle_bits
    specific = IdTable.build(spec_ids, np.ones(len(spec_ids), dtype=bool), size)
    dirty = np.zeros(state.n, dtype=bool)
    dirty[n_old:] = True
    if n_old and len(flipped_ids):
        flipped = IdTable.build(flipped_ids, np.ones(len(flipped_ids), dtype=bool), size)
        hit = np.flatnonzero(flipped[state.sh_ids[: state.sh_indptr[n_old]]])
        dirty[np.searchsorted(state.sh_indptr, hit, side="right") - 1] = True
    rows = np.flatnonzero(dirty)
    indptr, ids = csr_take(state.sh_indptr, state.sh_ids, rows)
    indptr, ids = filter_csr(indptr, ids, specific[ids])
    # Reposts of one template have the same specific set: sign each distinct set once.
    first, inv = _distinct_sets(indptr, ids)
    sub_ptr, sub_ids = csr_take(indptr, ids, first)
    a, b = perm_params(tc.num_perm, tc.seed)
    state.sigs[rows] = kernels.signatures(sub_ptr, sub_ids, a, b)[inv]
    state.textable[rows] = np.diff(indptr) >= tc.min_shingles
    return specific, dirty


def _distinct_sets(indptr: I64, ids: npt.NDArray[np.uint32]) -> tuple[I64, I64]:
    """For CSR sets: the first row of each distinct set and, per row, the index of its distinct set.

    Sets are compared by a 64-bit hash of their sorted ids and their length (collisions are negligible here).
    """
    n = len(indptr) - 1
    lengths = np.diff(indptr)
    with np.errstate(over="ignore"):
        x = ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x ^= x >> np.uint64(29)
        x *= np.uint64(0xBF58476D1CE4E5B9)
    h = np.zeros(n, dtype=np.uint64)
    nonempty = np.flatnonzero(lengths > 0)
    if len(nonempty):
        h[nonempty] = np.add.reduceat(x, indptr[nonempty])
    first, inv, _ = group_rows(h.view(np.int64), lengths)
    return first, inv


def _post_text_bits(
    state: LinkState, specific: IdTable, shingle_bits: IdTable, step: int = 1_000_000
) -> tuple[F64, F64]:
    """Per post: the number of specific shingles and the mean bits of one of them.

    In slices of posts: each post's sum is the same (its own entries, in order), and the temporaries stay a slice's
    size (over all posts at once they were about 7 GB at 10M posts).
    """
    n_spec = np.zeros(state.n, dtype=np.float64)
    total = np.zeros(state.n, dtype=np.float64)
    for lo in range(0, state.n, step):
        hi = min(lo + step, state.n)
        ids = state.sh_ids[state.sh_indptr[lo] : state.sh_indptr[hi]]
        spec = specific[ids]
        post = _post_of_entry(state.sh_indptr[lo : hi + 1] - state.sh_indptr[lo])[spec]
        n_spec[lo:hi] = np.bincount(post, minlength=hi - lo)
        total[lo:hi] = np.bincount(post, weights=shingle_bits[ids[spec]], minlength=hi - lo)
    return n_spec, total / np.maximum(n_spec, 1.0)


def _text_pairs(state: LinkState, dirty: Bool, cfg: LinkConfig, kernels: Kernels) -> None:
    """All text pairs from the template signatures.

    Posts with identical signatures (a template reposted with only masked slots changed) are chained to the first
    of them (J = 1) and only one of them (the representative) enters LSH: a big operator's hundreds of reposts are
    n - 1 pairs, not n^2 / 2. A pair is a candidate when two signatures collide in an LSH band and their Jaccard
    estimate reaches ``min_jaccard``; its evidence is scored by ``_score_text_pairs``. Text links join ads: with
    ``require_contact`` at least one of the two posts names a contact (a reposted notice with no contact is content,
    not an ad; an ad whose contact was not extracted still joins its operator's other ads).

    Candidates are kept in the state: whether two representatives are candidates depends only on their two
    signatures and on whether a bucket they share is within ``max_bucket``. So an update searches LSH only for the
    representatives that are new, re-signed, newly representatives, or in a bucket that crossed the bound (grew over
    it or shrank under it), and keeps the candidates among all others: the same set a full build finds.
    """
    tc = cfg.text
    members = np.flatnonzero(state.textable)
    sig = np.ascontiguousarray(state.sigs[members]).view(np.dtype((np.void, state.sigs.shape[1] * 4))).ravel()
    _, first, inv = np.unique(sig, return_index=True, return_inverse=True)
    del sig  # a copy of every signature: 2.5 GB at 10M posts, not needed past here
    inv = inv.ravel()
    reps = members[first]
    rep_of = reps[inv]
    dup = rep_of != members
    da, db = rep_of[dup], members[dup]
    keys = band_keys(state.sigs[reps], tc.bands, tc.rows)
    # Representatives whose candidates are still valid: the same post represented the same signature last time.
    is_rep = np.zeros(state.n, dtype=bool)
    is_rep[reps] = True
    clean_rep = is_rep[reps] & state.text_rep[reps] & ~dirty[reps]
    # Buckets over the bound now (similar_pairs reports them) against last time's: a representative in a bucket
    # that crossed the bound is searched again (its pairs may have appeared or gone).
    sizes_known = tc.max_bucket is not None and len(reps) > 0
    big_now: list[npt.NDArray[np.uint64]] = over_bound(keys, tc.max_bucket, kernels.threads) if sizes_known else []
    for band, big in enumerate(big_now):
        crossed = np.setxor1d(big, state.big_key[state.big_band == band], assume_unique=True)
        if len(crossed):
            clean_rep &= ~isin_sorted(keys[:, band], crossed)
    search = np.zeros(state.n, dtype=bool)
    search[reps[~clean_rep]] = True
    kept = np.zeros(state.n, dtype=bool)
    kept[reps[clean_rep]] = True
    keep = kept[state.cand_a] & kept[state.cand_b]
    a, b, j = kernels.similar(
        keys, reps, search, tc.max_bucket, state.sigs, tc.min_jaccard, big_now if sizes_known else None
    )
    ok = np.ones(len(a), dtype=bool)
    state.big_band = np.repeat(np.arange(len(big_now), dtype=np.uint8), [len(k) for k in big_now])
    state.big_key = np.concatenate(big_now).astype(np.uint64) if big_now else np.zeros(0, dtype=np.uint64)
    # Merge the kept and the new candidates (both sorted by (a, b)) into one sorted list, as a full build has it.
    old_code, new_code = _pair_code(state.cand_a[keep], state.cand_b[keep]), _pair_code(a[ok], b[ok])
    at = np.searchsorted(old_code, new_code) + np.arange(len(new_code))
    into_old = np.ones(len(old_code) + len(new_code), dtype=bool)
    into_old[at] = False
    for name, old_v, new_v in (("cand_a", state.cand_a, a), ("cand_b", state.cand_b, b), ("cand_j", state.cand_j, j)):
        merged = np.empty(len(into_old), dtype=np.int64 if name != "cand_j" else np.float32)
        merged[into_old] = old_v[keep]
        merged[at] = new_v[ok]
        setattr(state, name, merged)
    state.text_rep = is_rep
    a, b, j = state.cand_a, state.cand_b, state.cand_j
    ok = np.ones(len(a), dtype=bool)
    dup_ok = np.ones(len(da), dtype=bool)
    if tc.require_contact:
        # A signature is anchored when one of its posts names a contact, or when it is linked to an anchored one: a
        # reposted notice with no contact anywhere stays out, an operator's ads with unextracted phones join.
        gi = np.full(state.n, -1, dtype=np.int64)
        gi[reps] = np.arange(len(reps))
        anchored = np.bincount(inv, weights=state.contact[members].astype(np.float64), minlength=len(reps)) > 0
        ok &= anchored[gi[a]] | anchored[gi[b]]
        anchored[gi[a[ok]]] = True
        anchored[gi[b[ok]]] = True
        dup_ok = anchored[inv[dup]]
    a = np.concatenate([da[dup_ok], a[ok]])
    b = np.concatenate([db[dup_ok], b[ok]])
    j = np.concatenate([np.ones(int(dup_ok.sum()), dtype=np.float32), j[ok]])
    keep = state.pair_signal != TEXT
    _set_pairs(state, keep, a, b, np.full(len(a), TEXT, np.uint8), j, j, np.zeros(len(a), dtype=bool))


def _reposted(state: LinkState, group: I64, known: Bool, cfg: LinkConfig) -> Bool:
    """Per text pair: whether its template is reposted by its posters rather than used once by each of many.

    Template clusters are the connected components of the text pairs. A pair across two poster groups carries
    evidence only when each side reposts the template (its group holds at least ``min_repeat`` posts of the
    cluster), or one side is an unknown poster (no contact found: an operator's ad whose phone was not extracted)
    and the other reposts it. A known poster who used the words once, or two unknown posters, are the same ad form
    or text used by unrelated people. An operator posts its own template again and again over its few phones.
    """
    text = np.flatnonzero(state.pair_signal == TEXT)
    if len(text) == 0:
        return np.ones(0, dtype=bool)
    a, b = state.pair_a[text], state.pair_b[text]
    m = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(state.n, state.n))
    _, comp = connected_components(m, directed=False)
    inside = np.zeros(state.n, dtype=bool)
    inside[a] = True
    inside[b] = True
    posts = np.flatnonzero(inside)
    gcode, gsize = np.unique((comp[posts].astype(np.int64) << np.int64(32)) | group[posts], return_counts=True)
    n_a = gsize[np.searchsorted(gcode, (comp[a].astype(np.int64) << np.int64(32)) | group[a])]
    n_b = gsize[np.searchsorted(gcode, (comp[b].astype(np.int64) << np.int64(32)) | group[b])]
    rep_a = known[a] & (n_a >= cfg.text.min_repeat)
    rep_b = known[b] & (n_b >= cfg.text.min_repeat)
    same = group[a] == group[b]
    ok: Bool = same | (rep_a & rep_b) | (~known[a] & rep_b) | (rep_a & ~known[b])
    # More reposting posters than one operator has phones and personas (own_groups): several posters repost these
    # words (agencies filling the same ad form), so across groups they say nothing about who posted.
    reposting = gsize >= cfg.text.min_repeat
    owner = gcode >> np.int64(32)
    known_group = np.zeros(len(gcode), dtype=bool)
    known_group[np.searchsorted(gcode, (comp[posts].astype(np.int64) << np.int64(32)) | group[posts])] = known[posts]
    k_rep = np.bincount(owner[reposting & known_group].astype(np.int64), minlength=int(comp.max()) + 1)
    shared_form = k_rep[comp[a]] > cfg.identifiers.own_groups
    ok &= same | ~shared_form
    return ok


def _score_text_pairs(
    state: LinkState, n_spec: F64, unit_bits: F64, threshold: float, reposted: Bool, cfg: LinkConfig
) -> None:
    """Evidence of every text pair in bits (``pair_w`` in units of the link threshold; strong at 1).

    Shared specific shingles beyond chance ~ (J - J0) / (1 - J0) * min(|A|, |B|); consecutive shingles overlap in
    words, so every ``shingle_size`` of them count as one observation, each worth the posts' mean bits per
    specific shingle (the smaller of the two): a template reposted verbatim adds many such units, two posts
    sharing a phrase or two add little.
    """
    text = state.pair_signal == TEXT
    if not text.any():
        return
    a, b, j = state.pair_a[text], state.pair_b[text], state.pair_ev[text].astype(np.float64)
    # Only the similarity beyond what unrelated texts built from the same stock phrases reach (chance_jaccard)
    # counts: a kappa-like share of the shorter post's specific shingles.
    j0 = cfg.text.chance_jaccard
    beyond = np.clip((j - j0) / (1.0 - j0), 0.0, 1.0)
    shared = beyond * np.minimum(n_spec[a], n_spec[b])
    units = shared / cfg.text.shingle_size
    bits = np.log2(cfg.evidence.text_m) + units * np.minimum(unit_bits[a], unit_bits[b])
    bits = np.maximum(bits, 0.0) * reposted
    state.pair_w[text] = (bits / threshold).astype(np.float32)
    state.pair_strong[text] = bits >= threshold


def _set_pairs(
    state: LinkState,
    keep: Bool,
    a: I64,
    b: I64,
    signal: npt.NDArray[np.uint8],
    w: npt.NDArray[np.float32],
    ev: npt.NDArray[np.float32],
    strong: Bool,
) -> None:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    state.pair_a = np.concatenate([state.pair_a[keep], lo]).astype(np.int64)
    state.pair_b = np.concatenate([state.pair_b[keep], hi]).astype(np.int64)
    state.pair_signal = np.concatenate([state.pair_signal[keep], signal]).astype(np.uint8)
    state.pair_w = np.concatenate([state.pair_w[keep], w]).astype(np.float32)
    state.pair_ev = np.concatenate([state.pair_ev[keep], ev]).astype(np.float32)
    state.pair_strong = np.concatenate([state.pair_strong[keep], strong]).astype(bool)


def _add_external(state: LinkState, external: Sequence[ExternalPairs], cfg: LinkConfig) -> I64:
    """Add pairs from other producers (replacing the same pair of the same signal); returns their endpoints."""
    if not external:
        return np.zeros(0, dtype=np.int64)
    index = {pid: i for i, pid in enumerate(state.ids)}
    touched: list[I64] = []
    for ext in external:
        scfg = cfg.pairs.get(ext.signal)
        if scfg is None or ext.signal not in SIGNAL_CODE:
            raise ValueError(f"unknown pair signal {ext.signal!r}: add it to link.yaml and state.PAIR_SIGNALS")
        rows = [
            (index[x], index[y], float(d))
            for x, y, d in zip(ext.a_ids, ext.b_ids, ext.distance, strict=True)
            if x in index and y in index and x != y and d <= scfg.max_distance
        ]
        if not rows:
            continue
        a = np.array([r[0] for r in rows], dtype=np.int64)
        b = np.array([r[1] for r in rows], dtype=np.int64)
        d = np.array([r[2] for r in rows], dtype=np.float32)
        code = SIGNAL_CODE[ext.signal]
        mine = state.pair_signal == code
        drop = mine & isin(_pair_code(state.pair_a, state.pair_b), _pair_code(a, b))
        w = np.clip(1.0 - d / scfg.max_distance, 0.0, 1.0).astype(np.float32)
        _set_pairs(state, ~drop, a, b, np.full(len(a), code, np.uint8), w, d, d <= scfg.strong_distance)
        touched.extend([a, b])
    return np.concatenate(touched) if touched else np.zeros(0, dtype=np.int64)


Memberships = tuple[I64, npt.NDArray[np.uint64], npt.NDArray[np.uint8]]


def _update_images(state: LinkState, batch: Batch, n_old: int, cfg: LinkConfig) -> npt.NDArray[np.uint64]:
    """Add the batch's pictures and re-chain picture clusters; returns the cluster keys that appeared or went.

    A picture cluster is a connected component of "PDQ distance <= threshold" over all pictures, keyed by its
    smallest hash key: single linkage does not depend on arrival order, so incremental == full.
    """
    n_img_old = len(state.img_post)
    if batch.img_post.size == 0:
        return np.zeros(0, dtype=np.uint64)
    state.img_post = np.concatenate([state.img_post, batch.img_post + n_old])
    state.img_pdq = np.concatenate([state.img_pdq, batch.img_pdq])
    state.img_key = np.concatenate([state.img_key, batch.img_key])
    old_cluster = state.img_cluster
    # Identical hashes (the same file reposted) are one picture; search near pairs among distinct hashes only.
    n_img = len(state.img_post)
    distinct, first_img, img_hash = np.unique(
        np.ascontiguousarray(state.img_pdq).view("S32").ravel(), return_index=True, return_inverse=True
    )
    img_hash = img_hash.ravel()
    query = np.zeros(len(distinct), dtype=bool)
    query[img_hash[n_img_old:]] = True
    ic = cfg.images
    tables = table_bytes(ic.lsh_tables, ic.lsh_bytes, ic.seed)
    ha, hb, _ = near_pairs(state.img_pdq[first_img], query, ic.pdq_max_distance, tables)
    # Old clusters stay chained (each picture to its cluster's first picture); copies chain to their hash's first
    # picture; near pairs chain the first pictures of the two hashes.
    _, first, inv = np.unique(old_cluster, return_index=True, return_inverse=True)
    a = np.concatenate([np.arange(n_img_old), np.arange(n_img), first_img[ha]])
    b = np.concatenate([first[inv.ravel()], first_img[img_hash], first_img[hb]])
    m = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n_img, n_img))
    _, comp = connected_components(m, directed=False)
    key = np.full(int(comp.max()) + 1, np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(key, comp, state.img_key)
    state.img_cluster = key[comp]
    moved = np.flatnonzero(old_cluster != state.img_cluster[:n_img_old])
    return unique_sorted(np.concatenate([old_cluster[moved], state.img_cluster[moved], state.img_cluster[n_img_old:]]))


def _image_values(state: LinkState, keys: npt.NDArray[np.uint64]) -> None:
    """Evidence for picture clusters: the PDQ hash that names each cluster."""
    is_name = isin(state.img_key, keys) & (state.img_key == state.img_cluster)
    for i in np.flatnonzero(is_name).tolist():
        state.values[int(state.img_key[i])] = ("image", bytes(state.img_pdq[i]).hex())


def _entity_evidence(state: LinkState, memb: Memberships, cfg: LinkConfig) -> tuple[EntityStats, I64, Bool, int]:
    """Statistics and evidence of every entity; the poster group of every post, whether its poster is known (it
    has a value of its own), and the number of groups.

    Hubs that do not depend on the prior (known service lines, platform footers) are found first; the remaining
    values held within at most ``own_groups`` otherwise unrelated groups are personal and define the poster groups;
    with G groups known, every value is scored (entities.score).
    """
    ic = cfg.identifiers
    footer = state.footer_flags()
    service = load_known_contacts(ic.known_contacts)
    stats = entity_stats(*memb, state.platform, state.kind, ic, memb_footer=footer, known=service)
    code = hub_codes(stats, ic)
    personal_key = (code == 0) & (stats.n_groups <= ic.own_groups)
    rows = stats.lookup(memb[1]) if len(stats.keys) else np.zeros(0, dtype=np.int64)
    personal = personal_key[rows] & ~footer if len(rows) else np.zeros(0, dtype=bool)
    group, n_groups = poster_groups(state.n, memb[0], memb[1], personal)
    # A post with no value of its own is a poster too, unknown which: its own group (assuming it unrelated is what
    # keeps a phrase that many contactless posts use from looking like one poster's template).
    alone = np.flatnonzero(group < 0)
    known = group >= 0
    group[alone] = n_groups + np.arange(len(alone))
    n_groups += len(alone)
    score(stats, n_groups, ic, cfg.evidence.target_odds)
    _image_values(state, stats.keys[(stats.n_posts >= 2) & (stats.types == IMAGE_CODE)])
    return stats, group, known, n_groups


def _link_graph(state: LinkState, memb: Memberships, in_s: Bool, stats: EntityStats, loc: I64) -> LinkGraph:
    """The links among the posts ``in_s`` (closed: no link leaves the set); ``stats`` covers their entities."""
    inside = in_s[memb[0]]
    memb_post, memb_key = memb[0][inside], memb[1][inside]
    pm = in_s[state.pair_a]
    mm = stats.links()[stats.lookup(memb_key)]
    gkeys, ginv = np.unique(memb_key[mm], return_inverse=True)
    grow = stats.lookup(gkeys)
    return LinkGraph(
        n=int(in_s.sum()),
        pair_a=loc[state.pair_a[pm]],
        pair_b=loc[state.pair_b[pm]],
        pair_w=state.pair_w[pm].astype(np.float64),
        pair_strong=state.pair_strong[pm],
        memb_post=loc[memb_post[mm]],
        memb_group=ginv.astype(np.int64).ravel(),
        group_w=stats.weight[grow],
        group_strong=stats.strong[grow],
        group_picture=np.isin(stats.types[grow], (IMAGE_CODE, IMAGE_SHA256_CODE)),
    )


def network_name(min_post_id: str, taken: set[str]) -> str:
    """A new network's id: derived from its smallest post id (stable across runs), made unique if taken."""
    base = "N" + hashlib.sha256(min_post_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    name, k = base, 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    return name


def _name_networks(
    labels: I64, s_ids: list[str], old_names: list[str | None], live_elsewhere: set[str]
) -> dict[int, str]:
    """Give each new network (label) the id of the old network it overlaps most (each old id used once)."""
    pairs = zip(labels.tolist(), old_names, strict=True)
    overlap = Counter((int(lab), name) for lab, name in pairs if lab >= 0 and name)
    names: dict[int, str] = {}
    used: set[str] = set()
    for (lab, name), _count in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0])):
        if lab not in names and name not in used and name not in live_elsewhere:
            names[lab] = name
            used.add(name)
    taken = live_elsewhere | used
    for lab in sorted(set(labels[labels >= 0].tolist()) - names.keys()):
        names[lab] = network_name(s_ids[lab], taken)
        taken.add(names[lab])
    return names


def update(
    state: LinkState,
    batch: Batch,
    cfg: LinkConfig,
    *,
    external: Sequence[ExternalPairs] = (),
    prior: Mapping[str, str] | None = None,
    threads: int | None = None,
    kernels: Kernels | None = None,
) -> Delta:
    """Add ``batch`` to ``state`` (in place): new links, then networks.

    ``threads``: how many threads the NumPy-heavy steps (MinHash, LSH bands) may use; default one per core. The
    result does not depend on it.

    Evidence depends on corpus-wide counts (how many poster groups use a value or a phrase), so every update
    rescores all links and reclusters every post; only text signatures and candidate pairs are incremental (posts
    whose specific shingles did not change keep their pairs). ``prior`` maps post id -> network id from an earlier
    run (used by a full rebuild to keep network ids). ``kernels``: where MinHash and the LSH candidate search run
    (default: here, on ``threads`` threads; link.spark.SparkKernels: on a Spark cluster); the result is the same.
    """
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    kernels = kernels or Kernels(threads or default_workers())
    n_old = state.n
    _append(state, batch, cfg)
    _update_images(state, batch, n_old, cfg)
    memb = state.memberships()
    stats, group, known, n_groups = _entity_evidence(state, memb, cfg)
    state.n_groups = n_groups
    for k in stats.keys[stats.n_posts >= 2].tolist():
        if k in batch.values:
            state.values[k] = batch.values[k]
    t["entities"] = time.perf_counter() - t0
    present, sbits = _shingle_bits(state, group, n_groups, cfg)
    specific, dirty = _update_signatures(state, n_old, present, sbits, cfg, kernels)
    t["signatures"] = time.perf_counter() - t0 - sum(t.values())
    _text_pairs(state, dirty, cfg, kernels)
    _add_external(state, external, cfg)
    n_spec, unit_bits = _post_text_bits(state, specific, sbits)
    _score_text_pairs(state, n_spec, unit_bits, stats.threshold, _reposted(state, group, known, cfg), cfg)
    t["text_pairs"] = time.perf_counter() - t0 - sum(t.values())

    in_s = np.ones(state.n, dtype=bool)
    s_idx = np.arange(state.n, dtype=np.int64)
    loc = s_idx.copy()
    graph = _link_graph(state, memb, in_s, stats, loc)
    s_ids = list(state.ids)
    order = sorted(range(len(s_ids)), key=s_ids.__getitem__)
    rank = np.empty(len(s_ids), dtype=np.int64)
    rank[order] = np.arange(len(s_ids))
    labels, comp = cluster(graph, rank, cfg.cluster)
    t["cluster"] = time.perf_counter() - t0 - sum(t.values())

    state.comp[s_idx] = comp + state.next_comp
    state.next_comp += int(comp.max()) + 1 if len(comp) else 0
    prior = prior or {}
    old_net = state.net[s_idx]
    old_names = [
        state.net_names[k] if k >= 0 else prior.get(pid) for k, pid in zip(old_net.tolist(), s_ids, strict=True)
    ]
    sorted_ids = [s_ids[i] for i in order]
    named = _name_networks(labels, sorted_ids, old_names, set())
    networks: dict[str, I64] = {}
    new_net = np.full(len(s_idx), -1, dtype=np.int64)
    in_net = np.flatnonzero(labels >= 0)
    uniq, inv = np.unique(labels[in_net], return_inverse=True)
    by_label = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[by_label], np.arange(len(uniq) + 1))
    state.net_names = []
    for u, lab in enumerate(uniq.tolist()):
        local_members = in_net[by_label[bounds[u] : bounds[u + 1]]]
        networks[named[lab]] = s_idx[local_members]
        new_net[local_members] = u
        state.net_names.append(named[lab])
    state.net[s_idx] = new_net
    removed = sorted({n for n in old_names if n} - networks.keys())
    t["name"] = time.perf_counter() - t0 - sum(t.values())
    changed_keys = stats.keys[stats.n_posts >= 2]
    evidence = network_evidence(state, memb, stats, networks)
    return Delta(s_idx, networks, removed, changed_keys, stats, t, evidence)


def network_evidence(
    state: LinkState, memb: Memberships, stats: EntityStats, networks: Mapping[str, I64]
) -> dict[str, list[str]]:
    """Reasons per network: the signals that link its posts, how many, and the most each weighed in bits."""
    names = list(networks)
    label = np.full(state.n, -1, dtype=np.int64)
    for i, name in enumerate(names):
        label[networks[name]] = i
    per: dict[int, dict[str, tuple[int, float]]] = {}
    types = entity_types()
    rows = stats.lookup(memb[1]) if len(stats.keys) else np.zeros(0, dtype=np.int64)
    lab = label[memb[0]]
    use = (lab >= 0) & stats.links()[rows] if len(rows) else np.zeros(0, dtype=bool)
    if use.any():
        first, _, counts = group_rows(lab[use], rows[use])
        code = zip(lab[use][first].tolist(), rows[use][first].tolist(), strict=True)
        for (net, row), c in zip(code, counts.tolist(), strict=True):
            if c < 2:
                continue
            kind = types[int(stats.types[row])]
            n, best = per.setdefault(net, {}).get(kind, (0, 0.0))
            per[net][kind] = (n + 1, max(best, float(stats.bits[row])))
    la, lb = label[state.pair_a], label[state.pair_b]
    inside = (la >= 0) & (la == lb) & (state.pair_w > 0)
    if inside.any():
        code = la[inside] * len(PAIR_SIGNALS) + state.pair_signal[inside].astype(np.int64)
        uniq, inv, counts = np.unique(code, return_inverse=True, return_counts=True)
        best_w = np.zeros(len(uniq))
        np.maximum.at(best_w, inv.ravel(), state.pair_w[inside].astype(np.float64))
        for c, n, bw in zip(uniq.tolist(), counts.tolist(), best_w.tolist(), strict=True):
            net, kind = divmod(c, len(PAIR_SIGNALS))
            per.setdefault(net, {})[PAIR_SIGNALS[kind]] = (n, bw * stats.threshold)
    out: dict[str, list[str]] = {}
    for i, name in enumerate(names):
        parts = sorted(per.get(i, {}).items(), key=lambda kv: -kv[1][1])
        out[name] = [
            f"evidence: {_SIGNAL_WORDS.get(kind, kind)} ({n} {'link' if n == 1 else 'links'}, up to "
            f"{best:.1f} bits; a link needs {stats.threshold:.1f})"
            for kind, (n, best) in parts
        ]
    return out


_SIGNAL_WORDS = {
    "text": "the same specific template",
    "phone": "a shared phone",
    "email": "a shared email",
    "handle": "a shared handle",
    "wallet": "a shared wallet",
    "url": "a shared URL",
    "image": "the same picture (near-copies)",
    "image_sha256": "the same image file",
    "image_pdq": "near-copy pictures",
}


def _compact_names(state: LinkState) -> None:
    used = unique_sorted(state.net[state.net >= 0])
    if len(used) == len(state.net_names):
        return
    remap = np.full(len(state.net_names), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    state.net_names = [state.net_names[k] for k in used.tolist()]
    has = state.net >= 0
    state.net[has] = remap[state.net[has]]


def memberships(state: LinkState) -> dict[str, list[str]]:
    """Network id -> sorted post ids, from the state."""
    out: dict[str, list[str]] = {}
    for i in np.flatnonzero(state.net >= 0).tolist():
        out.setdefault(state.net_names[state.net[i]], []).append(state.ids[i])
    return {k: sorted(v) for k, v in out.items()}
