"""Saved HTML pages: visible text only, metadata, images, charsets."""

from __future__ import annotations

import time
from pathlib import Path

from tipwatch.model import Post, Quarantined, RawRecord
from tipwatch.sources import ReadStats, read, to_post
from tipwatch.sources.htmlpage import decode_page, fragment_to_text, looks_like_html

PAGE = """<!DOCTYPE html>
<html lang="hi-IN">
<head>
  <meta charset="utf-8">
  <title>  New   girls in Pune  </title>
  <meta name="description" content="Short description">
  <meta property="og:title" content="OG title">
  <meta property="og:description" content="OG description">
  <meta property="og:url" content="https://example.test/ads/1">
  <meta property="article:published_time" content="2024-05-12T10:30:00+05:30">
  <link rel="Canonical stylesheet" href="https://example.test/ads/1?ref=c">
  <style>body { color: red } .secret-style { }</style>
  <script>var secretScript = 1;</script>
</head>
<body>
  <h1>Sweet &amp; new</h1>
  <p>Call <b>98765</b> 43210<br>WhatsApp only</p>
  <script>alert(1)</script>
  <noscript>enable javascript please</noscript>
  <template><p>template text</p></template>
  <iframe srcdoc="<p>framed</p>">iframe fallback</iframe>
  <table><tr><td>cell one</td><td>cell two</td></tr></table>
  <img src="img/a.jpg"><img src="/abs/b.png"><img src="img/a.jpg">
  <img src="data:image/png;base64,AAAA" data-src="lazy/c.webp">
  <img src="javascript:alert(1)">
</body>
</html>
"""


def _page(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def test_page_text_and_metadata(tmp_path: Path) -> None:
    path = _page(tmp_path, "ad1.html", PAGE)
    (record,) = read([path])
    assert record.position == "file ad1.html"
    fields = record.fields
    assert fields is not None
    assert fields["title"] == "New girls in Pune"
    assert fields["body"] == "Sweet & new\nCall 98765 43210\nWhatsApp only\ncell one cell two"
    for hidden in ("alert", "secret", "enable javascript", "template text", "iframe", "framed", "color"):
        assert hidden not in fields["body"]
    assert fields["meta_description"] == "Short description"
    assert fields["og_title"] == "OG title"
    assert fields["og_description"] == "OG description"
    assert fields["og_url"] == "https://example.test/ads/1"
    assert fields["canonical_url"] == "https://example.test/ads/1?ref=c"
    assert fields["article_published_time"] == "2024-05-12T10:30:00+05:30"
    assert fields["images"] == ["img/a.jpg", "/abs/b.png", "lazy/c.webp"]
    assert fields["html_lang"] == "hi-IN"
    assert fields["charset"] == "utf-8"
    assert record.raw == PAGE

    post = to_post(record)
    assert isinstance(post, Post)
    assert post.title == "New girls in Pune"
    assert post.url == "https://example.test/ads/1?ref=c"
    assert post.posted_at is not None and post.posted_at.isoformat() == "2024-05-12T05:00:00+00:00"
    assert post.images == ["img/a.jpg", "/abs/b.png", "lazy/c.webp"]
    assert "<script>" in post.raw and "alert" not in post.text


def test_declared_latin1_is_decoded_as_browsers_do(tmp_path: Path) -> None:
    html = '<html><head><meta charset="ISO-8859-1"><title>Café “naïve”</title></head><body>Ümlaut – dash</body></html>'
    path = _page(tmp_path, "latin.htm", html.encode("cp1252"))
    (record,) = read([path])
    assert record.fields is not None
    # WHATWG: the label iso-8859-1 means windows-1252, so the curly quotes and dash (0x93, 0x94, 0x96) survive.
    assert record.fields["title"] == "Café “naïve”"
    assert record.fields["body"] == "Ümlaut – dash"
    assert record.fields["charset"] == "windows-1252"


def test_http_equiv_declaration_and_undeclared_legacy_bytes() -> None:
    cyrillic = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>Привет</p>'
    text, encoding = decode_page(cyrillic.encode("cp1251"))
    assert "Привет" in text and encoding == "windows-1251"
    undeclared = "<p>café</p>".encode("cp1252")
    text, encoding = decode_page(undeclared)
    assert "café" in text and encoding == "windows-1252"
    utf8 = "<p>नमस्ते দিদি 😀</p>".encode()
    text, encoding = decode_page(utf8)
    assert "नमस्ते দিদি 😀" in text and encoding == "utf-8"
    # An HTTP charset wins over the <meta>; a BOM wins over both.
    text, encoding = decode_page("<meta charset=utf-8><p>é</p>".encode("latin-1"), http_charset="latin-1")
    assert "é" in text
    text, encoding = decode_page(b"\xef\xbb\xbf<meta charset=windows-1251><p>\xc3\xa9</p>", http_charset="latin-1")
    assert "é" in text and encoding == "utf-8"


def test_folder_is_read_recursively_and_assets_are_counted(tmp_path: Path) -> None:
    root = tmp_path / "pages"
    _page(root, "b.html", "<title>B</title><p>second</p>")
    _page(root, "a.htm", "<title>A</title><p>first</p>")
    _page(root, "sub/c.html", "<title>C</title><p>third</p>")
    _page(root, "a_files/style.css", "p {}")
    _page(root, "a_files/pic.png", b"\x89PNG")
    _page(root, ".hidden/d.html", "<p>hidden folder</p>")
    stats = ReadStats()
    records = list(read([root], stats=stats))
    assert [r.position for r in records] == ["file a.htm", "file b.html", "file sub/c.html"]
    assert {r.source for r in records} == {root.as_posix()}
    assert [r.fields["title"] for r in records if r.fields] == ["A", "B", "C"]
    assert stats.skipped == {
        "file with unknown extension .css": 1,
        "file with unknown extension .png": 1,
        "hidden file or folder": 1,
    }


def test_page_with_only_scripts_is_quarantined_as_empty(tmp_path: Path) -> None:
    path = _page(tmp_path, "empty.html", "<html><body><script>document.write('hi')</script></body></html>")
    (record,) = read([path])
    result = to_post(record)
    assert not isinstance(result, Post)
    assert result.reason.startswith("no text: title and body are empty")
    assert result.position == "file empty.html"


def test_deep_but_allowed_nesting_is_walked_without_recursion() -> None:
    deep = "<div>" * 1500 + "deep text" + "</div>" * 1500
    assert fragment_to_text(deep) == "deep text"


def test_hostile_nesting_is_refused_quickly(tmp_path: Path) -> None:
    deep = "<div>" * 200_000 + "deep text" + "</div>" * 200_000
    path = _page(tmp_path, "deep.html", "<title>t</title>" + deep)
    started = time.perf_counter()
    (record,) = read([path])
    assert time.perf_counter() - started < 5  # parsing it would take minutes
    assert record.error == "HTML nested 200000 levels deep (limit 2000): refused as hostile or broken"
    field_value = "<div>" * 20_000 + "x" + "</div>" * 20_000
    in_field = to_post(RawRecord("s", "line 1", "", {"title": "ok", "body": field_value}))
    assert isinstance(in_field, Quarantined)
    assert in_field.reason == "body: HTML nested 20000 levels deep (limit 2000)"


def test_many_flat_tags_are_not_mistaken_for_nesting() -> None:
    flat = "<ul>" + "<li><p>item <b>x</b> <br><img src=a.png>" * 20_000 + "</ul>"
    assert fragment_to_text(flat).count("item x") == 20_000


def test_markup_detection_leaves_prose_alone() -> None:
    assert looks_like_html("<p>hi</p>")
    assert looks_like_html("fish &amp; chips")
    assert looks_like_html("<!-- c -->")
    assert not looks_like_html("I <3 you, rates <5k, ask for <Priya>")
    assert not looks_like_html("R&D and AT&T")
