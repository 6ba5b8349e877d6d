from __future__ import annotations

import numpy as np

from tipwatch.link.textsig import (
    TokenHasher,
    filter_csr,
    jaccard_estimate,
    mask_text,
    minhash,
    perm_params,
    shingle_csr,
    tokens,
)


def _sets(texts: list[str], size: int = 3) -> tuple[np.ndarray, np.ndarray]:
    h = TokenHasher()
    return shingle_csr([h(tokens(t)) for t in texts], size, 20)


def test_masking_makes_a_template_with_new_phone_city_and_price_identical() -> None:
    a = "Call 98765 43210 in Delhi, only 3000 rs"
    b = "Call 91234-56780 in Mumbai, only 4500 rs"
    ma = mask_text(a, [(5, 16, "phone"), (20, 25, "place"), (32, 36, "price")])
    mb = mask_text(b, [(5, 16, "phone"), (20, 26, "place"), (33, 37, "price")])
    assert tokens(ma) == tokens(mb)
    assert "xphonex" in tokens(ma) and "delhi" not in tokens(ma)


def test_digits_are_masked_and_indic_words_stay_whole() -> None:
    assert tokens("Room 42 ready") == tokens("Room 7 ready") == ["room", "0", "ready"]
    # Devanagari vowel signs are combining marks: the word must not be split at them.
    assert tokens("नौकरी दिल्ली") == ["नौकरी", "दिल्ली"]
    assert tokens("Hi 🌹🌹") == ["hi", "🌹", "🌹"]


def test_overlapping_spans_keep_the_first() -> None:
    assert mask_text("abc def", [(0, 7, "url"), (4, 7, "phone")]) == " xurlx "


def test_shingle_sets_are_distinct_per_document_and_short_texts_get_one() -> None:
    indptr, ids = _sets(["a b c a b c", "one two", ""])
    sizes = np.diff(indptr)
    assert sizes.tolist() == [3, 1, 0]  # abc, bca, cab; the two-word text is one shingle; empty has none
    first = ids[indptr[0] : indptr[1]]
    assert len(set(first.tolist())) == 3


def test_minhash_estimates_jaccard() -> None:
    rng = np.random.default_rng(3)
    base = rng.integers(0, 1 << 20, size=400).astype(np.uint32)
    other = np.concatenate([base[:200], rng.integers(0, 1 << 20, size=200).astype(np.uint32)])
    true_j = 200 / 600
    sets = [np.unique(base), np.unique(other)]
    indptr = np.array([0, len(sets[0]), len(sets[0]) + len(sets[1])])
    a, b = perm_params(256, 1)
    sigs = minhash(indptr, np.concatenate(sets), a, b, chunk=100)
    est = float(jaccard_estimate(sigs, np.array([0]), np.array([1]))[0])
    assert abs(est - true_j) < 0.1
    assert float(jaccard_estimate(sigs, np.array([0]), np.array([0]))[0]) == 1.0


def test_minhash_is_stable_and_chunking_does_not_change_it() -> None:
    indptr, ids = _sets(["the quick brown fox jumps over", "a lazy dog sleeps all day", ""])
    a, b = perm_params(32, 9)
    whole = minhash(indptr, ids, a, b)
    chunked = minhash(indptr, ids, a, b, chunk=1)
    assert (whole == chunked).all()
    assert (whole[2] == 0xFFFFFFFF).all()
    assert (minhash(indptr, ids, *perm_params(32, 9)) == whole).all()


def test_filter_csr_drops_entries_per_document() -> None:
    indptr = np.array([0, 2, 5])
    ids = np.array([1, 2, 3, 4, 5], dtype=np.uint32)
    out_ptr, out_ids = filter_csr(indptr, ids, ids % 2 == 1)
    assert out_ptr.tolist() == [0, 1, 3]
    assert out_ids.tolist() == [1, 3, 5]
