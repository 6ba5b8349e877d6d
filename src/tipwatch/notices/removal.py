"""Is the content behind a URL gone? Decided from one fetch: the status code, else the page's visible text.

- 404 (Not Found), 410 (Gone) and 451 (Unavailable For Legal Reasons): gone;
- a 2xx page whose visible text (title and body, tags and scripts stripped, whitespace folded, lower-cased) holds one
  of the registry's removal markers ("this content isn't available", "this ad has been removed", ...): gone, the
  platform shows a removal notice in place of the content;
- a URL that now redirects to its site's front page (the same host, path "/"): gone, the way many ad sites retire an
  ad (a redirect to any other page, a login wall for one, says nothing);
- anything else (other statuses, network errors) says nothing: the URL stays live and is checked again later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

GONE_STATUSES = frozenset({404, 410, 451})
# Only the start of a page is read for markers: a removal notice is short and at the top, and a long live ad that
# quotes a marker deep in its text should not count.
TEXT_CHARS = 5_000


@dataclass(frozen=True, slots=True)
class Check:
    gone: bool
    why: str  # "HTTP 404", "removal notice: 'this ad has been removed'", "live (HTTP 200)"


def visible_text(body: bytes) -> str:
    tree = LexborHTMLParser(body.decode("utf-8", errors="replace"))
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    title = tree.css_first("title")
    parts = [title.text() if title else "", tree.body.text(separator=" ") if tree.body else ""]
    return " ".join(" ".join(parts).split()).lower().replace("\u2019", "'")


def _front_page_instead(requested: str, final: str) -> bool:
    a, b = urlsplit(requested), urlsplit(final)
    return a.hostname == b.hostname and a.path not in ("", "/") and b.path in ("", "/") and not b.query


def check(
    status: int, content_type: str, body: bytes, markers: Sequence[str], *, requested: str = "", final: str = ""
) -> Check:
    """``requested``: the URL fetched; ``final``: where the redirects, if any, ended."""
    if status in GONE_STATUSES:
        return Check(True, f"HTTP {status}")
    if requested and final and _front_page_instead(requested, final):
        return Check(True, f"redirected to the front page {final[:200]}")
    if 200 <= status < 300 and "html" in content_type.lower():
        text = visible_text(body)[:TEXT_CHARS]
        for marker in markers:
            if marker in text:
                return Check(True, f"removal notice: {marker!r}")
    return Check(False, f"live (HTTP {status})")
