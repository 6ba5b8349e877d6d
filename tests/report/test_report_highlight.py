"""Highlighting: pieces cut at span boundaries, escaped, each listing the spans that cover it."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from tipwatch.report.highlight import Span, ad_text, highlight, plain_text
from tipwatch.report.render import lang_attr, text_dir


def _parse(html: str) -> LexborHTMLParser:
    return LexborHTMLParser(f"<div id='t'>{html}</div>")


def _span_text(tree: LexborHTMLParser, key: str) -> str:
    return "".join(m.text() for m in tree.css("mark.hl") if key in (m.attributes.get("data-spans") or "").split())


def test_crossing_spans_split_into_pieces_that_rebuild_each_span() -> None:
    text = "call 98765 43210 now, new girls in town"
    ind = Span(text.index("new girls"), text.index("new girls") + len("new girls in"), "ind", "i0", "youth")
    ident = Span(text.index("girls in town"), len(text), "id", "d0", "place: x")
    phone = Span(5, 16, "id", "d1", "phone: +919876543210")
    h = highlight(text, [ind, ident, phone])
    tree = _parse(h.html)
    assert tree.css_first("#t").text() == text
    assert _span_text(tree, "i0") == text[ind.start : ind.end]
    assert _span_text(tree, "d0") == text[ident.start : ident.end]
    assert _span_text(tree, "d1") == "98765 43210"
    both = [m for m in tree.css("mark.hl") if "hl-ind" in m.attributes["class"] and "hl-id" in m.attributes["class"]]
    assert [m.text() for m in both] == ["girls in"]
    assert both[0].attributes["title"] == "youth\nplace: x"
    assert h.dropped == ()


def test_nested_and_identical_spans() -> None:
    text = "abcdefghij"
    spans = [Span(0, 10, "ind", "i0", "outer"), Span(2, 5, "id", "d0", "inner"), Span(2, 5, "ind", "i1", "same")]
    tree = _parse(highlight(text, spans).html)
    assert _span_text(tree, "i0") == text
    assert _span_text(tree, "d0") == "cde"
    assert _span_text(tree, "i1") == "cde"
    assert [m.text() for m in tree.css("mark.hl")] == ["ab", "cde", "fghij"]


def test_invalid_spans_are_dropped_not_trusted() -> None:
    text = "short"
    spans = [Span(3, 2, "ind", "i0", "reversed"), Span(-1, 2, "id", "d0", "negative"), Span(2, 99, "id", "d1", "long")]
    h = highlight(text, spans)
    assert set(h.dropped) == {"i0", "d0", "d1"}
    assert "<mark" not in h.html
    assert _parse(h.html).css_first("#t").text() == text


def test_truncation_clips_spans() -> None:
    text = "x" * 20 + "KEYWORD" + "y" * 20
    h = highlight(text, [Span(20, 27, "ind", "i0", "k"), Span(40, 45, "id", "d0", "late")], max_chars=24)
    assert h.truncated == len(text) - 24
    tree = _parse(h.html)
    assert _span_text(tree, "i0") == "KEYW"
    assert h.dropped == ("d0",)


def test_markup_in_text_is_escaped_even_inside_highlights() -> None:
    text = "<script>alert(1)</script> & <img src=x onerror=alert(2)>"
    h = highlight(text, [Span(0, 8, "ind", "i0", '"><script>alert(3)</script>')])
    tree = _parse(h.html)
    assert not tree.css("script") and not tree.css("img")
    assert tree.css_first("#t").text() == text
    assert tree.css_first("mark").attributes["title"] == '"><script>alert(3)</script>'
    assert "&lt;script&gt;" in h.html


def test_bidi_controls_are_isolated_but_kept_in_the_text() -> None:
    text = "call \u202e01234 56789\u202c today\u200b!"
    html = str(ad_text(text))
    assert "\u202e" not in html and "\u200b" not in html  # only as character references
    tree = _parse(html)
    assert tree.css_first("#t").text() == text
    assert [c.attributes["data-ctl"] for c in tree.css("span.ctl")] == ["RLO", "PDF", "ZWSP"]
    assert plain_text(text) == "call 01234 56789 today!"


def test_zero_width_joiners_are_left_alone() -> None:
    # ZWJ/ZWNJ shape Bengali and Devanagari conjuncts and emoji sequences.
    text = "র\u200d্যাব क\u200c्ष 👩\u200d❤️\u200d👨"
    assert str(ad_text(text)) == text


def test_lone_surrogates_become_replacement_characters() -> None:
    h = highlight("bad \udcff byte", [Span(4, 5, "ind", "i0", "x")])
    assert "\ufffd" in h.html
    str(h.html).encode("utf-8")


def test_paragraph_direction_comes_from_the_language() -> None:
    assert [text_dir(c) for c in ("ur", "ur-PK", "hi", "bn", None, "\u202eur", 'en" x')] == [
        "rtl",
        "rtl",
        "ltr",
        "ltr",
        "ltr",
        "rtl",
        "ltr",
    ]
    assert [lang_attr(c) for c in ("hi", "hi-Latn", "bn-BD", "x", "en onclick", "1a")] == [
        "hi",
        "hi-Latn",
        "bn-BD",
        "",
        "",
        "",
    ]
