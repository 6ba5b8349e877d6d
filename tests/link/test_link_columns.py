"""The memory-saving paths of the link engine's column helpers give what the plain computation gives."""

from __future__ import annotations

import numpy as np

from tipwatch.link.engine import IdTable, _post_text_bits, csr_take
from tipwatch.link.state import LinkState


def _csr(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    lengths = rng.integers(0, 6, n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    return indptr, rng.integers(0, 50, int(indptr[-1])).astype(np.uint32)


def test_csr_take_all_rows_in_order_is_the_arrays_themselves() -> None:
    indptr, ids = _csr(np.random.default_rng(1), 40)
    out_ptr, out_ids = csr_take(indptr, ids, np.arange(40, dtype=np.int64))
    assert out_ptr is indptr and out_ids is ids


def test_csr_take_other_rows_are_copied_in_their_order() -> None:
    indptr, ids = _csr(np.random.default_rng(2), 40)
    for rows in (np.arange(40)[::-1].copy(), np.array([3, 7, 8, 39]), np.r_[1:40, 0]):
        out_ptr, out_ids = csr_take(indptr, ids, rows.astype(np.int64))
        assert len(out_ptr) == len(rows) + 1
        for k, r in enumerate(rows.tolist()):
            assert out_ids[out_ptr[k] : out_ptr[k + 1]].tolist() == ids[indptr[r] : indptr[r + 1]].tolist()


def test_post_text_bits_in_slices_equals_one_pass() -> None:
    rng = np.random.default_rng(3)
    state = LinkState.empty("f", 4, 6)
    state.sh_indptr, state.sh_ids = _csr(rng, 101)
    state.ids = [f"p{i}" for i in range(101)]
    state.sigs = np.zeros((101, 4), np.uint32)
    ids = np.arange(50, dtype=np.uint32)
    specific = IdTable.build(ids, rng.random(50) < 0.6, 64)
    bits = IdTable.build(ids, rng.random(50).astype(np.float32) * 20, 64)
    whole = _post_text_bits(state, specific, bits, step=10_000)
    for step in (1, 7, 100):
        sliced = _post_text_bits(state, specific, bits, step=step)
        assert np.array_equal(sliced[0], whole[0]) and np.array_equal(sliced[1], whole[1])
    # And against the definition: the count of a post's specific shingles and their mean bits.
    for p in range(101):
        own = state.sh_ids[state.sh_indptr[p] : state.sh_indptr[p + 1]]
        spec = own[specific[own]]
        assert whole[0][p] == len(spec)
        assert np.isclose(whole[1][p], bits[spec].astype(np.float64).mean() if len(spec) else 0.0)
