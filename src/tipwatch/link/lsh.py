"""LSH banding over MinHash signatures, vectorised: candidate pairs come from sorting band keys, not from a
dict of buckets, so a million posts cost a few argsorts.

Only buckets that hold a *dirty* post (new, or whose signature changed) are expanded, and only pairs with a dirty
end are returned: a full build marks every post dirty, an incremental update only the batch. Both give the same
pairs for the dirty posts, which is what makes incremental == full recompute.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from tipwatch.link.textsig import U32, U64

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]
_T = TypeVar("_T")

_K = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))


def band_keys(sigs: U32, bands: int, rows: int) -> U64:
    """(n, bands) uint64 keys: band ``j`` hashes signature columns ``j*rows .. j*rows+rows-1`` (and ``j``)."""
    n = sigs.shape[0]
    keys = np.empty((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(bands):
            acc = np.full(n, np.uint64(j + 1) * _K[1], dtype=np.uint64)
            for r in range(rows):
                acc = (acc ^ sigs[:, j * rows + r].astype(np.uint64)) * _K[0]
                acc ^= acc >> np.uint64(33)
            keys[:, j] = acc
    return keys


def pairs_in_groups(order: I64, group_end: I64) -> tuple[I64, I64]:
    """All pairs within runs of a sorted array: ``group_end[p]`` is the end (exclusive) of the run holding ``p``.

    Work is proportional to the number of pairs: position p pairs with p+1, p+2, ... while still in its run.
    """
    lefts: list[I64] = []
    rights: list[I64] = []
    pos = np.arange(len(order), dtype=np.int64)
    active = pos[group_end - pos > 1]
    d = 1
    while active.size:
        lefts.append(order[active])
        rights.append(order[active + d])
        d += 1
        active = active[group_end[active] - active > d]
    if not lefts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(lefts), np.concatenate(rights)


_FILTER_BITS = 24
_SLICE = 1 << 21  # candidate pairs checked and scored at a time


def sorted_unique(x: U64) -> U64:
    """Distinct values, sorted (a sort and a diff: faster than np.unique's hash path on large uint64 arrays)."""
    x = np.sort(x)
    if len(x) < 2:
        return x
    keep = np.empty(len(x), dtype=bool)
    keep[0] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def _pairs_with_dirty(
    col: U64, members: I64, member_dirty: Bool, max_bucket: int | None = None, bitmap: Bool | None = None
) -> tuple[I64, I64]:
    """Pairs (member, dirty member) with equal keys, for a few dirty members among many; buckets of more than
    ``max_bucket`` members are skipped, as the full sort does.

    A bitmap over the low 24 bits of the dirty keys picks the few members that may match (one gather over all
    keys), and only those are searched among the sorted dirty keys: O(n) instead of sorting or binary-searching n.
    ``bitmap``: an all-False scratch bitmap of 2**24 entries to use (left all False again), so that a search over
    many bands does not clear 16 MB per band.
    """
    d_pos = np.flatnonzero(member_dirty)
    order = np.argsort(col[d_pos], kind="stable")
    d_sorted = col[d_pos][order]
    mask = np.uint64((1 << _FILTER_BITS) - 1)
    if bitmap is None:
        bitmap = np.zeros(1 << _FILTER_BITS, dtype=bool)
    low = (d_sorted & mask).astype(np.int64)
    bitmap[low] = True
    maybe = np.flatnonzero(bitmap[(col & mask).astype(np.int64)])
    bitmap[low] = False
    keys = col[maybe]
    lo = np.searchsorted(d_sorted, keys, side="left")
    hi = np.searchsorted(d_sorted, keys, side="right")
    counts = hi - lo
    has = np.flatnonzero(counts)
    if max_bucket is not None and len(has):
        # Bucket size: how many members carry the key (every member with a dirty key is among ``maybe[has]``).
        size = np.bincount(lo[has], minlength=len(d_sorted))
        has = has[size[lo[has]] <= max_bucket]
    if len(has) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    reps = counts[has]
    left = np.repeat(maybe[has], reps)
    first = np.repeat(lo[has] - (np.cumsum(reps) - reps), reps) + np.arange(int(reps.sum()))
    right = d_pos[order[first]]
    keep = left != right
    return members[left[keep]], members[right[keep]]


def candidate_pairs(keys: U64, members: I64, dirty: Bool, max_bucket: int | None = None) -> tuple[I64, I64]:
    """Distinct (a < b) pairs of ``members`` sharing at least one band key, with a dirty end.

    ``keys`` is (len(members), bands); ``dirty`` is indexed by post index (the values of ``members``). Buckets
    larger than ``max_bucket`` are not expanded (bounded work; see TextConfig.max_bucket).
    """
    return candidate_pairs_by_band(lambda j: keys[:, j], keys.shape[1], members, dirty, max_bucket)


def _order_by_key(col: U64, key_bits: int | None) -> I64:
    """Positions of ``col`` ordered by key (equal keys adjacent). Keys of at most ``key_bits`` bits are packed
    with their position into one uint64 and sorted by value, several times faster than an argsort."""
    n = len(col)
    pos_bits = max(int(n - 1).bit_length(), 1)
    if key_bits is not None and key_bits + pos_bits <= 64:
        packed = (col << np.uint64(pos_bits)) | np.arange(n, dtype=np.uint64)
        packed.sort()
        return (packed & np.uint64((1 << pos_bits) - 1)).astype(np.int64)
    return np.argsort(col, kind="stable")


def candidate_pairs_by_band(
    band: Callable[[int], U64],
    bands: int,
    members: I64,
    dirty: Bool,
    max_bucket: int | None = None,
    key_bits: int | None = None,
) -> tuple[I64, I64]:
    """As candidate_pairs, with band ``j``'s keys computed on demand by ``band(j)`` (bounded memory).

    ``key_bits``: the keys are below ``2**key_bits`` (lets the band sort pack them with their positions).
    """
    found: list[U64] = []
    member_dirty = dirty[members]
    few = bool(member_dirty.sum() * 20 < len(members))
    bitmap = np.zeros(1 << _FILTER_BITS, dtype=bool) if few else None
    for j in range(bands):
        col = band(j)
        if len(col) == 0:
            continue
        left, right = _band_pairs(col, member_dirty, few, max_bucket, key_bits, bitmap)
        a, b = members[left], members[right]
        lo = np.minimum(a, b).astype(np.uint64)
        hi = np.maximum(a, b).astype(np.uint64)
        found.append(sorted_unique((lo << np.uint64(32)) | hi))
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    code = sorted_unique(np.concatenate(found))
    return (code >> np.uint64(32)).astype(np.int64), (code & np.uint64(0xFFFFFFFF)).astype(np.int64)


def _band_pairs(
    col: U64, member_dirty: Bool, few: bool, max_bucket: int | None, key_bits: int | None, bitmap: Bool | None
) -> tuple[I64, I64]:
    """Distinct pairs of positions in ``col`` with equal keys in a bucket of at most ``max_bucket``, one end dirty."""
    if few:
        pos = np.arange(len(col), dtype=np.int64)
        left, right = _pairs_with_dirty(col, pos, member_dirty, max_bucket, bitmap)
        # Two dirty ends are found from both sides: keep one.
        once = ~member_dirty[left] | (left < right)
        return left[once], right[once]
    order = _order_by_key(col, key_bits)
    sorted_keys = col[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    sizes = np.diff(np.append(starts, len(sorted_keys)))
    has_dirty = np.maximum.reduceat(member_dirty[order].astype(np.int8), starts) > 0
    take = (sizes > 1) & has_dirty
    if max_bucket is not None:
        take &= sizes <= max_bucket
    if not take.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # Keep only the positions of the runs worth expanding, renumbered contiguously.
    run_id = np.repeat(np.arange(len(starts)), sizes)
    sub_order = order[take[run_id]]
    sub_sizes = sizes[take]
    sub_end = np.repeat(np.cumsum(sub_sizes), sub_sizes)
    left, right = pairs_in_groups(sub_order.astype(np.int64), sub_end.astype(np.int64))
    both = member_dirty[left] | member_dirty[right]
    return left[both], right[both]


def _over_bound(col: U64, max_bucket: int | None) -> U64:
    """The keys (sorted) of the buckets of ``col`` holding more than ``max_bucket`` members."""
    if max_bucket is None or len(col) == 0:
        return col[:0]
    srt = np.sort(col)
    starts = np.flatnonzero(np.concatenate(([True], srt[1:] != srt[:-1])))
    sizes = np.diff(np.append(starts, len(srt)))
    return srt[starts][sizes > max_bucket]


def on_threads(fn: Callable[[int], _T], count: int, threads: int) -> list[_T]:
    """``[fn(0), ..., fn(count - 1)]``, on ``threads`` threads when more than one (for NumPy-heavy ``fn``)."""
    if threads <= 1 or count <= 1:
        return [fn(j) for j in range(count)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(fn, range(count)))


def over_bound(keys: U64, max_bucket: int | None, threads: int = 1) -> list[U64]:
    """Per band of ``keys`` (n, bands): the sorted keys of its buckets over ``max_bucket``."""
    return on_threads(lambda j: _over_bound(np.ascontiguousarray(keys[:, j]), max_bucket), keys.shape[1], threads)


def _in_sorted(values: U64, sorted_keys: U64) -> Bool:
    if len(sorted_keys) == 0:
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    return sorted_keys[at] == values


def similar_pairs(
    keys: U64,
    members: I64,
    dirty: Bool,
    max_bucket: int | None,
    score: Callable[[I64, I64], npt.NDArray[np.float32]],
    min_score: float,
    big_keys: list[U64] | None = None,
    threads: int = 1,
) -> tuple[I64, I64, npt.NDArray[np.float32], list[U64]]:
    """The candidate pairs of ``candidate_pairs`` whose ``score(a, b)`` reaches ``min_score``, sorted by (a, b), with
    their scores; and per band the keys of the buckets over ``max_bucket`` (sorted).

    Band by band: a pair already met in an earlier band (equal keys in a bucket within the bound) is skipped, so
    each candidate is scored once and only the accepted ones are kept -- never the whole candidate list of all
    bands (tens of millions of pairs at 1M posts, most of them below the score). ``big_keys``: the buckets over the
    bound per band, when the caller has them already.

    Whether band ``j`` skips a pair depends only on the keys of bands before it, not on their results, so bands
    are independent: with ``threads`` > 1 they run on that many threads (NumPy's sorts, gathers and comparisons
    release the GIL), with the same result.
    """
    bands = keys.shape[1]
    member_dirty = dirty[members]
    few = bool(member_dirty.sum() * 20 < len(members))
    key_cols = [np.ascontiguousarray(keys[:, j]) for j in range(bands)]
    local = threading.local()
    over = (
        big_keys if big_keys is not None else on_threads(lambda j: _over_bound(key_cols[j], max_bucket), bands, threads)
    )
    big_cols = on_threads(lambda j: _in_sorted(key_cols[j], over[j]), bands, threads)

    def band(j: int) -> tuple[I64, I64, npt.NDArray[np.float32]] | None:
        col = key_cols[j]
        if len(col) == 0:
            return None
        bitmap = None
        if few:
            # One scratch bitmap per thread (left all False after each use).
            bitmap = getattr(local, "bitmap", None)
            if bitmap is None:
                bitmap = local.bitmap = np.zeros(1 << _FILTER_BITS, dtype=bool)
        left, right = _band_pairs(col, member_dirty, few, max_bucket, None, bitmap)
        out: list[tuple[I64, I64, npt.NDArray[np.float32]]] = []
        # In slices: a band of a million posts proposes millions of pairs, and each step below makes temporaries.
        for at in range(0, len(left), _SLICE):
            got = unmet_scored(left[at : at + _SLICE], right[at : at + _SLICE], j)
            if got is not None:
                out.append(got)
        if not out:
            return None
        if len(out) == 1:
            return out[0]
        return (
            np.concatenate([o[0] for o in out]),
            np.concatenate([o[1] for o in out]),
            np.concatenate([o[2] for o in out]),
        )

    def unmet_scored(left: I64, right: I64, j: int) -> tuple[I64, I64, npt.NDArray[np.float32]] | None:
        # Met in an earlier band already (same key there, in a bucket within the bound): scored then. One band
        # column at a time (contiguous, cache-sized) rather than gathering whole key rows; pairs found met leave
        # the arrays, so later bands gather fewer.
        for jj in range(j):
            if len(left) == 0:
                return None
            kc, bc = key_cols[jj], big_cols[jj]
            keep = (kc[left] != kc[right]) | bc[left]
            if not keep.all():
                left, right = left[keep], right[keep]
        if len(left) == 0:
            return None
        a, b = members[left], members[right]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        sc = score(lo, hi)
        ok = sc >= min_score
        return lo[ok], hi[ok], sc[ok]

    found = [r for r in on_threads(band, bands, threads) if r is not None]
    if not found:
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros(0, dtype=np.float32), list(over)
    a = np.concatenate([f[0] for f in found])
    b = np.concatenate([f[1] for f in found])
    s = np.concatenate([f[2] for f in found])
    order = np.argsort((a << np.int64(32)) | b)
    return a[order], b[order], s[order], list(over)
