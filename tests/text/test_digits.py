"""digit_view(): every way of writing a digit becomes an ASCII digit, with offsets back and disguise flags."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tipwatch.text import digit_runs, digit_view
from tipwatch.text.digits import KEYCAP, LOOKALIKE, NATIVE, STYLED, WORD


def _run_digits(raw: str) -> list[str]:
    v = digit_view(raw)
    return [r.digits(v.text) for r in digit_runs(v)]


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("９８４５０１２３４５", STYLED),  # fullwidth
        ("𝟗𝟖𝟒𝟓𝟎𝟏𝟐𝟑𝟒𝟓", STYLED),  # mathematical bold
        ("𝟡𝟠𝟜𝟝𝟘𝟙𝟚𝟛𝟜𝟝", STYLED),  # mathematical double-struck
        ("⑨⑧④⑤⓪①②③④⑤", STYLED),  # circled
        ("❾❽❹❺⓿❶❷❸❹❺", STYLED),  # dingbat negative circled
        ("9️⃣8️⃣4️⃣5️⃣0️⃣1️⃣2️⃣3️⃣4️⃣5️⃣", KEYCAP),
        ("9⃣8⃣4⃣5⃣0⃣1⃣2⃣3⃣4⃣5⃣", KEYCAP),  # keycaps without the variation selector
        ("९८४५०१२३४५", NATIVE),  # Devanagari
        ("৯৮৪৫০১২৩৪৫", NATIVE),  # Bengali
        ("੯੮੪੫੦੧੨੩੪੫", NATIVE),  # Gurmukhi
        ("૯૮૪૫૦૧૨૩૪૫", NATIVE),  # Gujarati
        ("௯௮௪௫௦௧௨௩௪௫", NATIVE),  # Tamil
        ("౯౮౪౫౦౧౨౩౪౫", NATIVE),  # Telugu
        ("೯೮೪೫೦೧೨೩೪೫", NATIVE),  # Kannada
        ("൯൮൪൫൦൧൨൩൪൫", NATIVE),  # Malayalam
        ("୯୮୪୫୦୧୨୩୪୫", NATIVE),  # Odia
        ("٩٨٤٥٠١٢٣٤٥", NATIVE),  # Arabic-Indic
        ("۹۸۴۵۰۱۲۳۴۵", NATIVE),  # Extended Arabic-Indic (Urdu, Persian)
    ],
)
def test_digit_forms(raw: str, flag: int) -> None:
    v = digit_view(raw)
    assert v.text == "9845012345"
    assert all(f & flag for f in v.flags)
    assert v.disguised(0, len(v.text)) == bool(flag & (STYLED | KEYCAP))
    # Every output digit maps back to exactly the characters that wrote it.
    s, e = v.to_original(0, len(v.text))
    assert (s, e) == (0, len(raw))


def test_keycap_span_covers_the_whole_keycap() -> None:
    raw = "call 9️⃣8️⃣ now"
    v = digit_view(raw)
    i = v.text.index("98")
    s, e = v.to_original(i, i + 1)
    assert raw[s:e] == "9️⃣"


def test_keycap_ten() -> None:
    assert _run_digits("🔟") == ["10"]


@pytest.mark.parametrize(
    "raw",
    [
        "nine eight four five zero one two three four five",
        "Nine Eight Four Five Zero One Two Three Four Five",
        "नौ आठ चार पांच शून्य एक दो तीन चार पांच",
        "नौ आठ चार पाँच ज़ीरो एक दो तीन चार पाँच",
        "nau aath char paanch shunya ek do teen char paanch",
        "nau-aath-chaar-panch-zero-ek-do-teen-chaar-paanch",
        "নয় আট চার পাঁচ শূন্য এক দুই তিন চার পাঁচ",
        "9 8 four 5 zero 1 two 3 4 five",
    ],
)
def test_spelled_out_digits(raw: str) -> None:
    v = digit_view(raw)
    assert _run_digits(raw) == ["9845012345"]
    assert any(f & WORD for f in v.flags)
    assert v.disguised(0, len(v.text))


def test_multipliers() -> None:
    assert _run_digits("nine eight double four triple five zero") == ["98445550"]
    assert _run_digits("triple 7 double five nine") == ["777559"]
    assert _run_digits("डबल पांच ट्रिपल सात नौ") == ["557779"]


def test_words_outside_number_runs_stay_words() -> None:
    for raw in ("I do not sat on the tin", "one night only", "teen girl", "do raat", "ek din"):
        v = digit_view(raw)
        assert not any(c.isdigit() for c in v.text), raw


def test_lookalike_letters_between_digits_and_at_edges_of_long_tokens() -> None:
    v = digit_view("98O45l2345")
    assert v.text == "9804512345"
    assert v.flags[2] & LOOKALIKE and v.flags[5] & LOOKALIKE
    assert digit_view("9845|2345").text == "9845|2345"  # a pipe between groups is a separator
    assert digit_view("98S4B").text == "9854b"  # a short token: the B at its end stays a letter
    assert digit_view("SOLO 1O1 Zoo").text == "solo 101 zoo"
    # at the edge of a token of five or more digits, look-alikes are digits too
    assert digit_view("call B4205926S2 now").text == "call 8420592652 now"
    assert digit_view("six39856two23O").text == "6398562230"
    assert digit_view("2000s and 4G").text == "2000s and 4g"  # units stay letters


@pytest.mark.parametrize(
    ("raw", "digits", "seps"),
    [
        ("9 8 4 - 5 6 7", "984567", (" ", " ", " - ", " ", " ")),
        ("98.45.67", "984567", (".", ".")),
        ("98_45_67", "984567", ("_", "_")),
        ("98🔥45💋67", "984567", ("🔥", "💋")),
        ("98 💕💕 45", "9845", (" 💕💕 ",)),
        ("98450-12345", "9845012345", ("-",)),
    ],
)
def test_runs_join_across_separators(raw: str, digits: str, seps: tuple[str, ...]) -> None:
    v = digit_view(raw)
    runs = digit_runs(v)
    assert [r.digits(v.text) for r in runs] == [digits]
    assert runs[0].seps == seps


def test_runs_do_not_join_across_words_commas_or_colons() -> None:
    assert _run_digits("98450 call 12345") == ["98450", "12345"]
    assert _run_digits("9845012345, 9845054321") == ["9845012345", "9845054321"]
    assert _run_digits("10:30") == ["10", "30"]


def test_plus_prefix_is_seen() -> None:
    v = digit_view("call +91 98450 12345")
    (run,) = digit_runs(v)
    assert run.plus and run.digits(v.text) == "919845012345"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_digit_view_never_raises_and_maps_inside(text: str) -> None:
    v = digit_view(text)
    assert len(v.text) == len(v.starts) == len(v.ends) == len(v.flags)
    for s, e in zip(v.starts, v.ends, strict=True):
        assert 0 <= s < e <= len(text)
    for run in digit_runs(v):
        for a, b in run.groups:
            assert v.text[a:b].isdigit() and v.text[a:b].isascii()
