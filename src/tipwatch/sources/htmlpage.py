"""Saved HTML pages: decoding by the HTML Standard's rules, metadata, visible text and image references.

Parsing is done by selectolax's lexbor engine (an HTML5-conformant parser in C; see docs/decisions-sources.md);
charset labels are resolved with webencodings (the WHATWG Encoding Standard's label table, so "iso-8859-1"
decodes as windows-1252 the way browsers do).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import webencodings
from selectolax.lexbor import LexborHTMLParser, LexborNode

from tipwatch.model import RawRecord
from tipwatch.sources.base import (
    MAX_PAGE_BYTES,
    STREAM_ERRORS,
    error_record,
    open_binary,
    preview,
    stream_error_message,
)

# Elements whose content is never shown as text (or, for iframe, belongs to another document).
SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "canvas", "head"}
)
# Elements that start a new line of text; inline elements (b, span, a...) join their text to the neighbours'.
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hgroup", "hr", "legend", "li", "main", "nav", "ol", "option", "p", "pre", "section", "summary", "table",
        "tbody", "tfoot", "thead", "tr", "ul", "html", "title", "textarea", "select",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
MAX_IMAGES = 200
# Tags that show a text field holds markup, not prose that happens to contain "<" ("<3", "<Priya>").
_MARKUP = re.compile(
    r"<(?:/?(?:p|br|div|span|a|b|i|u|em|strong|small|big|font|center|img|script|style|noscript|template|iframe|"
    r"ul|ol|li|table|tr|td|th|h[1-6]|html|body|head|meta|link|title|section|article|header|footer|nav|pre|hr|"
    r"blockquote|label|input|form|button|textarea|select|option|svg|video|audio|source|picture|figure|sup|sub|"
    r"s|strike|del|ins|mark|code|wbr|object|embed)\b[^>]*|!--)>?",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_CHARSET_IN_CONTENT = re.compile(r"charset\s*=\s*[\"']?([^\s\"';]+)", re.IGNORECASE)
# lexbor's tree building slows down with the square of element nesting depth (50,000 nested <div>s: seconds);
# real pages nest a few dozen levels. Deeper input is refused before parsing. Counting is only done on documents
# with many tags, so ordinary pages pay nothing.
MAX_NESTING = 2000
_CHECK_NESTING_FROM_TAGS = 10_000
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9]{0,15})[^>]{0,2000}?(/?)>")
# Elements that never hold content, or whose end tag may be left out (the parser closes them implicitly).
_NOT_NESTING = frozenset(
    b"area base br col embed hr img input link meta source track wbr p li dt dd option optgroup tr td th tbody "
    b"thead tfoot colgroup rb rt rp".split()
)
_WINDOWS_1252 = webencodings.lookup("windows-1252")
_UTF8 = webencodings.lookup("utf-8")


class HTMLTooDeep(ValueError):
    """HTML nested deeper than MAX_NESTING: refused rather than parsed (see MAX_NESTING)."""


def nesting_depth(html: str) -> int:
    """An upper estimate of how deep the elements of a document nest (implicitly closed elements not counted)."""
    depth = deepest = 0
    for match in _TAG.finditer(html.encode("utf-8", "replace")):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _NOT_NESTING:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def parse_tree(html: str) -> LexborHTMLParser:
    """Parse with lexbor (scripting on, as a browser would: <noscript> content stays out of the tree's text and
    <head> is not broken by it), refusing hostile nesting first."""
    if html.count("<") > _CHECK_NESTING_FROM_TAGS:
        depth = nesting_depth(html)
        if depth > MAX_NESTING:
            raise HTMLTooDeep(f"HTML nested {depth} levels deep (limit {MAX_NESTING})")
    return LexborHTMLParser(html, scripting=True)


def visible_text(node: LexborNode) -> str:
    """The text a reader of the page sees: script/style/noscript/template/iframe and similar content left out,
    a line break at each block element and <br>, whitespace runs collapsed, blank lines dropped.

    Walks the tree with an explicit stack, so hostile nesting depth cannot overflow the Python stack.
    """
    return _visible_text([node])


def _visible_text(nodes: list[LexborNode]) -> str:
    parts: list[str] = []
    stack: list[tuple[LexborNode, bool]] = [(n, False) for n in reversed(nodes)]
    while stack:
        current, closing = stack.pop()
        if closing:
            parts.append("\n")
            continue
        if current.is_text_node:
            parts.append(current.text_content or "")
            continue
        if not current.is_element_node:
            continue  # comments, doctype
        tag = current.tag or ""
        if tag in SKIP_TAGS:
            continue
        if tag == "br":
            parts.append("\n")
            continue
        if tag in _CELL_TAGS or tag == "img":
            parts.append(" ")
        if tag in BLOCK_TAGS:
            parts.append("\n")
            stack.append((current, True))
        children = list(current.iter(include_text=True))
        stack.extend((child, False) for child in reversed(children))
    return tidy_whitespace("".join(parts))


def tidy_whitespace(text: str) -> str:
    """Every whitespace run inside a line as one space, lines stripped, blank lines dropped (only LF breaks lines).

    str.split/join do the work in C: six times faster than the equivalent regular expressions on a page."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def looks_like_html(text: str) -> bool:
    """True when a text field holds markup or character references that a reader would not see as such."""
    if "<" in text and _MARKUP.search(text):
        return True
    return "&" in text and _ENTITY.search(text) is not None


def fragment_to_text(text: str) -> str:
    """Visible text of an HTML fragment found inside a text field (scripts and styles dropped; a <title> in the
    fragment counts as text). Raises HTMLTooDeep for hostile nesting."""
    tree = parse_tree(text)
    nodes = []
    if tree.head is not None:
        nodes.extend(tree.head.css("title"))
    if tree.body is not None:
        nodes.append(tree.body)
    return _visible_text(nodes)


def _bom_encoding(data: bytes) -> webencodings.Encoding | None:
    if data.startswith(codecs.BOM_UTF8):
        return _UTF8
    if data.startswith(codecs.BOM_UTF16_LE):
        return webencodings.lookup("utf-16le")
    if data.startswith(codecs.BOM_UTF16_BE):
        return webencodings.lookup("utf-16be")
    return None


def declared_charset(tree: LexborHTMLParser) -> str | None:
    """The charset a page declares in <meta charset> or <meta http-equiv="content-type" content="...">."""
    for meta in tree.css("meta"):
        attrs = meta.attributes
        charset = attrs.get("charset")
        if charset:
            return charset.strip()
        if (attrs.get("http-equiv") or "").strip().lower() == "content-type":
            found = _CHARSET_IN_CONTENT.search(attrs.get("content") or "")
            if found:
                return found.group(1)
    return None


def _lookup(label: str | None) -> webencodings.Encoding | None:
    if not label:
        return None
    encoding = webencodings.lookup(label)
    if encoding is None:
        # Labels outside the WHATWG table that Python knows ("latin-1", "utf8mb4" no; "cp1251" yes): use
        # Python's canonical name, which the table usually knows.
        try:
            encoding = webencodings.lookup(codecs.lookup(label.strip()).name)
        except (LookupError, ValueError):
            return None
    if encoding is not None and encoding.name in ("utf-16le", "utf-16be"):
        return _UTF8  # HTML Standard: a <meta> cannot switch to UTF-16 (the bytes read it as ASCII already)
    return encoding


def decode_page(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode a page as a browser would: BOM, then the HTTP charset, then the <meta> declaration in the first
    1024 bytes (found by parsing just those bytes), then UTF-8 if the bytes are valid UTF-8, else windows-1252.
    Returns (text, encoding name). Undecodable bytes become U+FFFD, as in a browser."""
    encoding = _bom_encoding(data) or _lookup(http_charset)
    head = data[:1024]
    if encoding is None and b"charset" in head.lower():  # every declaration names "charset"; skip the parse if not
        encoding = _lookup(declared_charset(LexborHTMLParser(head, scripting=True)))
    if encoding is None:
        try:
            data.decode("utf-8")
            encoding = _UTF8
        except UnicodeDecodeError:
            encoding = _WINDOWS_1252
    text, used = webencodings.decode(data, encoding, errors="replace")
    return text, used.name


def _meta_map(tree: LexborHTMLParser) -> dict[str, str]:
    """First content of each <meta name|property|itemprop>, keys lower-cased ("og:title", "description")."""
    found: dict[str, str] = {}
    for meta in tree.css("meta"):
        attrs = meta.attributes
        content = attrs.get("content")
        if content is None:
            continue
        for attr in ("property", "name", "itemprop"):
            key = (attrs.get(attr) or "").strip().lower()
            if key and key not in found:
                found[key] = content.strip()
    return found


def _canonical(tree: LexborHTMLParser) -> str | None:
    for link in tree.css("link[rel][href]"):
        attrs = link.attributes
        if "canonical" in (attrs.get("rel") or "").lower().split():
            href = (attrs.get("href") or "").strip()
            if href:
                return href
    return None


def image_sources(tree: LexborHTMLParser) -> list[str]:
    """<img> sources in page order, as written (relative URLs stay relative to the page), without repeats.

    Lazy-loading pages put the real address in data-src; inline data: URIs are left out (they are the image
    itself, possibly megabytes, not a reference)."""
    seen: dict[str, None] = {}
    for img in tree.css("img"):
        attrs = img.attributes
        src = (attrs.get("src") or "").strip()
        if not src or src.lower().startswith("data:"):
            src = (attrs.get("data-src") or attrs.get("data-original") or "").strip()
        if src and not src.lower().startswith(("data:", "javascript:")):
            seen.setdefault(src, None)
            if len(seen) >= MAX_IMAGES:
                break
    return list(seen)


def page_fields(text: str) -> dict[str, Any]:
    """Metadata and visible text of a decoded HTML page, as RawRecord fields (names in docs/input-formats.md).

    Raises HTMLTooDeep for hostile nesting."""
    tree = parse_tree(text)
    meta = _meta_map(tree)
    title_node = tree.css_first("head > title") or tree.css_first("title")
    fields: dict[str, Any] = {
        "title": tidy_whitespace(title_node.text()) if title_node is not None else "",
        "body": visible_text(tree.body) if tree.body is not None else "",
        "meta_description": meta.get("description"),
        "og_title": meta.get("og:title"),
        "og_description": meta.get("og:description"),
        "og_url": meta.get("og:url"),
        "og_image": meta.get("og:image"),
        "article_published_time": meta.get("article:published_time") or meta.get("datepublished"),
        "canonical_url": _canonical(tree),
        "images": image_sources(tree),
    }
    html_node = tree.css_first("html")
    lang = html_node.attributes.get("lang") if html_node is not None else None
    if lang:
        fields["html_lang"] = lang.strip()
    return {key: value for key, value in fields.items() if value not in (None, "")}


def html_record(data: bytes, source: str, position: str, http_charset: str | None = None) -> RawRecord:
    """One page (bytes) -> one RawRecord; raw is the decoded page text. Never raises on page content."""
    text, encoding = decode_page(data, http_charset)
    try:
        fields = page_fields(text)
    except HTMLTooDeep as exc:
        return error_record(source, position, f"{exc}: refused as hostile or broken", preview(text))
    except Exception as exc:  # the parser is C code fed hostile input: cost one page, never the run
        return error_record(source, position, f"HTML could not be parsed: {type(exc).__name__}: {exc}", preview(text))
    fields["charset"] = encoding
    return RawRecord(source=source, position=position, raw=text, fields=fields)


def read_html_file(path: Path, source: str, position: str) -> Iterator[RawRecord]:
    """Yield the one record of a saved page (an error record if it is too big or unreadable)."""
    try:
        with open_binary(path) as fh:
            data = fh.read(MAX_PAGE_BYTES + 1)
    except STREAM_ERRORS as exc:
        yield error_record(source, position, stream_error_message(exc, "the start"))
        return
    except OSError as exc:
        yield error_record(source, position, f"cannot read file: {exc.strerror or exc}")
        return
    if len(data) > MAX_PAGE_BYTES:
        limit = MAX_PAGE_BYTES // (1024 * 1024)
        yield error_record(
            source, position, f"page larger than {limit} MiB limit", data[:4096].decode("utf-8", "replace")
        )
        return
    yield html_record(data, source, position)
