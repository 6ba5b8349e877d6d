"""Set operations on integer arrays by sorting, for the link stage's large columns.

NumPy 2.x answers ``np.unique(x)`` without ``return_*`` options (and ``np.isin``, ``np.unique(..., axis=0)``, which
use it) through a hash table that is ~50x slower than a sort on millions of 64-bit keys (measured: 3.8 s against
0.04 s for 3M uint64 on this machine). These helpers give the same results as the NumPy calls they replace (sorted
distinct values, rows in lexicographic order, first occurrences) with a sort and a diff.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]
A = TypeVar("A", bound=npt.NDArray[Any])


def unique_sorted(x: A) -> A:
    """Distinct values of a 1-D array, sorted (as ``np.unique(x)``)."""
    x = np.sort(x, axis=None)  # type: ignore[assignment]
    if len(x) < 2:
        return x
    keep = np.empty(len(x), dtype=bool)
    keep[0] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]  # type: ignore[return-value]


def isin_sorted(x: npt.NDArray[Any], s: npt.NDArray[Any]) -> Bool:
    """``np.isin(x, s)`` for ``s`` sorted and distinct."""
    if len(s) == 0 or len(x) == 0:
        return np.zeros(len(x), dtype=bool)
    at = np.searchsorted(s, x)
    np.minimum(at, len(s) - 1, out=at)
    out: Bool = s[at] == x
    return out


def isin(x: npt.NDArray[Any], y: npt.NDArray[Any]) -> Bool:
    """``np.isin(x, y)`` for 1-D integer arrays."""
    return isin_sorted(x, unique_sorted(np.asarray(y)))


def pack2(hi: npt.NDArray[Any], lo: npt.NDArray[Any]) -> I64:
    """Two non-negative integer columns (``hi`` < 2**31, ``lo`` < 2**32) as one int64 that sorts like (hi, lo)."""
    return (np.asarray(hi, dtype=np.int64) << np.int64(32)) | np.asarray(lo, dtype=np.int64)


def unpack2(code: I64) -> tuple[I64, I64]:
    return code >> np.int64(32), code & np.int64(0xFFFFFFFF)


def group_rows(*cols: npt.NDArray[Any]) -> tuple[I64, I64, I64]:
    """Distinct rows of the columns (``cols[0]`` primary), in lexicographic order, as
    ``np.unique(np.stack(cols, axis=1), axis=0, return_index=True, return_inverse=True, return_counts=True)[1:]``:
    per distinct row the index of its first occurrence, per input row the index of its distinct row, and counts.
    """
    n = len(cols[0])
    if n == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    order = np.lexsort(tuple(reversed(cols)))  # stable: the first of equal rows comes first
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for c in cols:
        s = c[order]
        new[1:] |= s[1:] != s[:-1]
    starts = np.flatnonzero(new)
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.cumsum(new) - 1
    counts = np.diff(np.append(starts, n)).astype(np.int64)
    return order[starts].astype(np.int64), inv, counts
