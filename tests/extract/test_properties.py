"""Properties on arbitrary Unicode: extraction never raises, spans lie inside the text, and what a span covers
re-extracts to the same value (for phones and e-mails)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tipwatch.extract import extract

# Text that looks like ads: numbers in many scripts, words that spell digits, separators, emoji, mail markers.
_PIECES = st.sampled_from(
    [
        "9845012345",
        "98450 12345",
        "+91",
        "0091",
        "९८४५०",
        "১২৩৪৫",
        "nine",
        "eight",
        "नौ",
        "আট",
        "double",
        " ",
        "-",
        ".",
        "_",
        "🔥",
        "9️⃣",
        "O",
        "l",
        "@",
        "(at)",
        "[dot]",
        " at ",
        " dot ",
        "gmail",
        "com",
        "riya",
        "Rs",
        "₹",
        "/hr",
        "yrs",
        "age",
        "Mumbai",
        "দিল্লি",
        "t.me/",
        "insta: @",
        "0x",
        "bc1",
        "\u200b",
        "\n",
    ]
)
_ADLIKE = st.lists(_PIECES, max_size=25).map("".join)


def _check(text: str) -> None:
    found = extract(text)
    for ident in found:
        assert 0 <= ident.start < ident.end <= len(text), ident
        assert isinstance(ident.value, str) and ident.value
    assert [i.start for i in found] == sorted(i.start for i in found)
    for ident in found:
        if ident.type in ("phone", "email") and ident.attrs.get("via") != "url":
            again = [i.value for i in extract(text[ident.start : ident.end]) if i.type == ident.type]
            assert ident.value in again, (ident, text[ident.start : ident.end])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_unicode(text: str) -> None:
    _check(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ADLIKE)
def test_adlike_text(text: str) -> None:
    _check(text)


def test_hostile_inputs() -> None:
    for text in ["", "\x00" * 100, "\ud800 9845012345", "9" * 10_000, "🔥" * 5000, "a@" * 3000, "nine " * 2000]:
        _check(text)


def test_precomputed_normalization_gives_the_same_result() -> None:
    from tipwatch.text import normalize

    text = "Call ９８４５０ १२३४५, riya (at) gmail [dot] com, Rs 3000/hr in Mumbai"
    assert extract(text, normalized=normalize(text)) == extract(text)
    # a normalization of another string is ignored rather than trusted
    assert extract(text, normalized=normalize("something else")) == extract(text)
