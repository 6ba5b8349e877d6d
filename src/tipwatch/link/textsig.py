"""Text signatures: masked word shingles, the boilerplate filter and vectorised MinHash.

A post's text becomes a set of shingle ids (word n-grams hashed into ``2**bits`` buckets) after its identifiers,
prices, ages, places and all digits are masked: a template reposted with a new phone, city and price gives the same
shingles. Shingle sets travel as CSR arrays (``indptr``, ``ids``) so a million posts cost a few hundred MB, never
their texts.

MinHash is computed with numpy over whole batches (multiply-shift hashing, ``np.minimum.reduceat`` per post):
datasketch's per-document ``MinHash`` objects cost ~20 µs of Python overhead per post plus a SHA-1 per shingle,
several minutes at 1M posts (see docs/decisions-link.md). The hash functions are fixed by the configured seed, so
signatures are stable across runs and processes (incremental updates rely on it).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

from tipwatch.link.arrays import unique_sorted

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

EMPTY = np.uint32(0xFFFFFFFF)

# Words in any script (Indic vowel signs are combining marks, which \w alone would split on) and single emoji.
_TOKEN = re.compile(r"[\w\u0900-\u0DFF\u200c\u200d]+|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_DIGITS = re.compile(r"\d+")
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))

Span = tuple[int, int, str]


def mask_text(text: str, spans: Iterable[Span]) -> str:
    """Replace each (start, end, type) span by a placeholder word ``xtypex``; overlapping spans keep the first."""
    out: list[str] = []
    pos = 0
    for start, end, kind in sorted(spans):
        if start < pos or end <= start:
            continue
        out.append(text[pos:start])
        out.append(f" x{kind}x ")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def tokens(masked: str) -> list[str]:
    """Case-folded NFKC word tokens, every digit run replaced by ``0``."""
    folded = unicodedata.normalize("NFKC", masked).casefold()
    return _TOKEN.findall(_DIGITS.sub("0", folded))


class TokenHasher:
    """Stable 32-bit token hashes (CRC-32 of UTF-8), memoised: ad vocabularies repeat heavily."""

    def __init__(self, max_cache: int = 2_000_000) -> None:
        self._cache: dict[str, int] = {}
        self._max = max_cache

    def __call__(self, toks: Sequence[str]) -> list[int]:
        cache = self._cache
        # map() over the cache, then the few misses: a Python loop per token cost a quarter of tokenizing.
        out: list[int | None] = list(map(cache.get, toks))
        if None in out:
            for i, h in enumerate(out):
                if h is None:
                    tok = toks[i]
                    h = zlib.crc32(tok.encode("utf-8", "surrogatepass"))
                    if len(cache) < self._max:
                        cache[tok] = h
                    out[i] = h
        return out  # type: ignore[return-value]  # no None left


def shingle_csr(token_hashes: Sequence[Sequence[int]], size: int, bits: int) -> tuple[I64, U32]:
    """Distinct shingle ids per document as CSR (``indptr`` of len n+1, sorted ``ids`` per document).

    A shingle is ``size`` consecutive tokens; a document with fewer tokens gets one shingle of all of them.
    """
    n = len(token_hashes)
    lengths = np.fromiter((len(t) for t in token_hashes), dtype=np.int64, count=n)
    flat = np.fromiter(chain.from_iterable(token_hashes), dtype=np.uint64, count=int(lengths.sum()))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    # Shingles per document: max(len - size + 1, 1) for non-empty documents.
    n_sh = np.where(lengths > 0, np.maximum(lengths - size + 1, 1), 0)
    total = int(n_sh.sum())
    if total == 0:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.uint32)
    doc = np.repeat(np.arange(n, dtype=np.int64), n_sh)
    first = np.repeat(starts, n_sh) + (np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(n_sh) - n_sh, n_sh))
    end = np.repeat(starts + lengths, n_sh)
    acc = np.zeros(total, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(size):
            pos = first + j
            valid = pos < end
            vals = np.where(valid, flat[np.minimum(pos, len(flat) - 1)], np.uint64(0))
            acc = (acc ^ vals) * _MIX[j % 3] + np.uint64(j + 1)
        acc ^= acc >> np.uint64(29)
        acc *= _MIX[0]
    ids = acc >> np.uint64(64 - bits)
    key = unique_sorted((doc.astype(np.uint64) << np.uint64(bits)) | ids)
    doc_u = (key >> np.uint64(bits)).astype(np.int64)
    ids_u = (key & np.uint64((1 << bits) - 1)).astype(np.uint32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(doc_u, minlength=n), out=indptr[1:])
    return indptr, ids_u


def filter_csr(indptr: I64, ids: U32, keep: npt.NDArray[np.bool_]) -> tuple[I64, U32]:
    """Keep the entries of a CSR set array where ``keep`` is True."""
    # Kept entries before each row start are the new row starts (one running count, no per-entry row index).
    kept = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(keep, out=kept[1:])
    return kept[indptr], ids[keep]


def perm_params(num_perm: int, seed: int) -> tuple[U64, U64]:
    """Multiply-shift hash parameters (odd multipliers) for ``num_perm`` MinHash functions."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def minhash(indptr: I64, ids: U32, a: U64, b: U64, *, chunk: int = 10_000) -> U32:
    """MinHash signatures (n, num_perm) of CSR shingle sets; an empty set gets all ``EMPTY``.

    Processed in chunks of about ``chunk`` shingles so the (perms x shingles) temporary (~5 MB) stays in the CPU
    caches: 150k-shingle chunks (77 MB) made every pass stream from memory, 4x slower.
    """
    n = len(indptr) - 1
    sigs = np.full((n, len(a)), EMPTY, dtype=np.uint32)
    lo = 0
    while lo < n:
        # Grow the document range until it holds about `chunk` shingles (at least one document).
        hi = int(np.searchsorted(indptr, indptr[lo] + chunk, side="right")) - 1
        hi = min(max(hi, lo + 1), n)
        seg_ptr = indptr[lo : hi + 1] - indptr[lo]
        vals = ids[indptr[lo] : indptr[hi]].astype(np.uint64)
        if len(vals):
            # (perms, shingles): each permutation's hashes are contiguous, so the per-post minimum (reduceat along
            # the rows) runs over contiguous memory -- about 3x faster than reducing down the columns.
            with np.errstate(over="ignore"):
                hv = np.multiply(a[:, None], vals[None, :])
                hv += b[:, None]
                hv >>= np.uint64(32)
            nonempty = np.flatnonzero(np.diff(seg_ptr) > 0)
            sigs[lo + nonempty] = np.minimum.reduceat(hv.astype(np.uint32), seg_ptr[nonempty], axis=1).T
        lo = hi
    return sigs


def jaccard_estimate(sigs: U32, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    """Fraction of equal MinHash values for each (left[i], right[i]) pair: an unbiased Jaccard estimate."""
    out = np.empty(len(left), dtype=np.float32)
    step = 100_000
    for lo in range(0, len(left), step):
        eq = sigs[left[lo : lo + step]] == sigs[right[lo : lo + step]]
        # A count over a power-of-two width: the same float32 as the mean, without a float64 temporary.
        out[lo : lo + step] = np.count_nonzero(eq, axis=1) / np.float32(sigs.shape[1])
    return out
