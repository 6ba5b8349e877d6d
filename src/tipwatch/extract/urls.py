"""URLs: explicit (scheme:// or www.) and bare "name.tld/path" links with a known TLD, in canonical form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from tipwatch.extract.context import Context
from tipwatch.extract.data import load
from tipwatch.model import Identifier

# RFC 3986 characters, minus those that end a link in running text.
_URLCH = r"[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%\[\]]"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_TRAILING = ".,;:!?'\"*"
_PAIRS = {")": "(", "]": "["}


@dataclass(slots=True, frozen=True)
class Url:
    start: int
    end: int
    raw: str
    canonical: str
    host: str
    path: str
    query: str
    explicit: bool


def _tlds() -> str:
    return "|".join(sorted((re.escape(t) for t in load("web.yaml")["tlds"]["list"]), key=len, reverse=True))


@lru_cache(maxsize=1)
def _hint() -> re.Pattern[str]:
    """A cheap first look: a scheme, "www." or a known TLD after a dot; most posts have none."""
    return re.compile(rf"://|www\d{{0,3}}\.|\.(?:{_tlds()})(?![A-Za-z0-9-])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    tlds = _tlds()
    return re.compile(
        rf"(?:(?<![A-Za-z0-9])(?:https?|ftp)://|(?<![A-Za-z0-9.@/-])www\d{{0,3}}\.){_URLCH}+"
        rf"|(?<![A-Za-z0-9.@/_-])(?:{_LABEL}\.)+(?:{tlds})(?::\d{{2,5}})?(?:/{_URLCH}*)?(?![A-Za-z0-9@_-])",
        re.IGNORECASE,
    )


def _trim(raw: str) -> str:
    """Drop punctuation that ends the sentence rather than the link, and unbalanced closing brackets."""
    while raw:
        last = raw[-1]
        if last in _TRAILING or (last in _PAIRS and raw.count(last) > raw.count(_PAIRS[last])):
            raw = raw[:-1]
        else:
            break
    return raw


def canonical_url(raw: str) -> tuple[str, str, str, str] | None:
    """(canonical url, host, path, query) or None: scheme added (http), scheme and host lower-cased, default port
    and fragment dropped, an empty path written as "/"."""
    has_scheme = "://" in raw[:8]
    try:
        parts = urlsplit(raw if has_scheme else "http://" + raw)
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    scheme = parts.scheme.lower()
    netloc = host
    if port is not None and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, parts.query, "")), host, path, parts.query


def find_urls(ctx: Context) -> list[Url]:
    text = ctx.text
    if "." not in text or not _hint().search(text):
        return []
    found: list[Url] = []
    for m in _pattern().finditer(text):
        raw = _trim(m.group())
        if not raw or raw.lower().rstrip("/") in ("http:", "https:", "ftp:"):
            continue
        canon = canonical_url(raw)
        if canon is None:
            continue
        explicit = "://" in raw[:8] or raw[:3].lower() == "www"
        found.append(Url(m.start(), m.start() + len(raw), raw, canon[0], canon[1], canon[2], canon[3], explicit))
    return found


def url_identifiers(urls: list[Url]) -> list[Identifier]:
    return [
        Identifier(
            type="url",
            value=u.canonical,
            start=u.start,
            end=u.end,
            confidence=1.0 if u.explicit else 0.85,
            attrs={"host": u.host},
        )
        for u in urls
    ]
