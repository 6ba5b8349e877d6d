"""normalize(): the matching form and its offset map back to the original text."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from tipwatch.text import normalize


def _assert_map_ok(original: str) -> None:
    n = normalize(original)
    assert len(n.text) == len(n.starts) == len(n.ends)
    for k, (s, e) in enumerate(zip(n.starts, n.ends, strict=True)):
        assert 0 <= s < e <= len(original), (k, s, e)
    # Offsets never go backwards: highlights of consecutive matches stay in order.
    assert n.starts == sorted(n.starts)


def test_case_whitespace_and_format_characters() -> None:
    n = normalize("  Hello \u200b  WORLD\u200d\t\n ok  ")
    assert n.text == "hello world ok"
    start, end = n.to_original(6, 11)
    assert n.original[start:end] == "WORLD"


def test_nfkc_folds_fullwidth_and_ligatures() -> None:
    n = normalize("ＣＡＬＬ ﬁne ９８４")
    assert n.text == "call fine 984"
    s, e = n.to_original(10, 13)
    assert n.original[s:e] == "９８４"


def test_fold_case_off_keeps_case() -> None:
    assert normalize("Hello  World", fold_case=False).text == "Hello World"


def test_combining_sequences_compose_like_whole_string_nfkc() -> None:
    # Decomposed é after ASCII, and a Bengali vowel sign written in two parts (U+09C7 U+09BE == U+09CB).
    for raw in ("cafe\u0301", "\u0995\u09c7\u09be\u09b2"):
        assert normalize(raw).text == unicodedata.normalize("NFKC", raw).casefold()


def test_variation_selectors_and_soft_hyphens_are_dropped() -> None:
    n = normalize("call\u00ad me \u260e\ufe0f now")
    assert n.text == "call me \u260e now"
    s, e = n.to_original(8, 9)
    assert n.original[s:e] == "\u260e"


def test_indic_text_maps_back() -> None:
    raw = "नई  लड़की\u200d आई"
    n = normalize(raw)
    assert n.text == "नई लड़की आई"
    i = n.text.index("लड़की")
    s, e = n.to_original(i, i + len("लड़की"))
    assert raw[s:e] == "लड़की"


def test_empty_and_blank() -> None:
    assert normalize("").text == ""
    assert normalize(" \n\t\u200b ").text == ""
    assert normalize("").to_original(0, 1) == (0, 0)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_and_offsets_stay_inside(text: str) -> None:
    _assert_map_ok(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_idempotent(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"aB 9\n\t", "\u200b", "\u200d", "\ufe0f", "\u20e3", "नई", "ड़", "ো", "🔥", "Ａ", "é"]),
        max_size=40,
    ).map("".join)
)
def test_fast_path_agrees_with_the_cluster_path(text: str) -> None:
    import sys

    module = sys.modules["tipwatch.text.normalize"]
    fast = normalize(text)
    saved = module._fast_path
    module._fast_path = lambda *_: None
    try:
        slow = normalize(text)
    finally:
        module._fast_path = saved
    assert fast.text == slow.text
