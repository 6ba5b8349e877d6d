"""Search stored posts: by words of their title and body (full text), or by identifier (a phone, e-mail, handle,
URL or wallet written any way the extractor understands).

The query is data, never query syntax: full text splits it into words (letters, marks and digits; a trailing ``*``
asks for words starting with it), and the store quotes each word for its own engine (SQLite FTS5, PostgreSQL
tsvector). An identifier query goes through ``tipwatch.extract`` on its own, so "98765 43210" and "+91 98765-43210"
both look up the phone ``+919876543210`` exactly as stored for posts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from tipwatch.store.facade import Store
from tipwatch.store.interface.search import ORDERS, SearchHit, SearchOrder, SearchTerm

SearchBy = Literal["text", "identifier", "auto"]
BY: tuple[str, ...] = ("text", "identifier", "auto")
MAX_QUERY_CHARS = 1000
MAX_TERMS = 16
MAX_LIMIT = 500


class SearchError(ValueError):
    """The search cannot be run as asked (empty or oversize query, bad paging); ``reason`` says why (a 4xx)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class SearchResult:
    query: str
    by: str  # what was searched: "text" or "identifier"
    hits: list[SearchHit]
    # Identifier search: the (type, normalized value) the query gave; text search: the words looked for.
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    limit: int = 20
    offset: int = 0

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, None when this page was the last (fewer hits than the limit)."""
        return self.offset + self.limit if len(self.hits) == self.limit else None


def _word_char(ch: str) -> bool:
    # The word characters of both tokenizers: letters, combining marks (Devanagari and Bengali vowel signs, virama,
    # nukta), digits, private-use characters.
    category = unicodedata.category(ch)
    return category[0] in "LMN" or category == "Co"


def text_terms(query: str) -> list[SearchTerm]:
    """The words of ``query``: runs of letters, combining marks, digits and private-use characters (what both
    engines' tokenizers keep together). A word directly followed by ``*`` is a prefix. Everything else separates
    words."""
    terms: list[SearchTerm] = []
    word: list[str] = []
    for ch in query + " ":
        if _word_char(ch):
            word.append(ch)
            continue
        if word:
            terms.append(SearchTerm("".join(word).lower(), prefix=ch == "*"))
            word = []
    return list(dict.fromkeys(terms))


def identifier_keys(query: str, region: str = "IN") -> list[tuple[str, str]]:
    """(type, value) of the linking identifiers the extractor finds in ``query``, normalized as stored for posts."""
    from tipwatch.extract import extract
    from tipwatch.extract.registry import identifier_types

    linking = {t.name for t in identifier_types() if t.links}
    return list(dict.fromkeys((i.type, i.value) for i in extract(query, region) if i.type in linking))


def _check(query: str, order: str, limit: int, offset: int) -> str:
    query = query.strip()
    if not query:
        raise SearchError("empty query: give words or an identifier to search for")
    if len(query) > MAX_QUERY_CHARS:
        raise SearchError(f"query too long: {len(query)} characters (limit {MAX_QUERY_CHARS})")
    if order not in ORDERS:
        raise SearchError(f"unknown order {order!r}: one of {', '.join(ORDERS)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise SearchError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise SearchError(f"offset must be 0 or more, not {offset}")
    return query


def search(
    store: Store,
    query: str,
    *,
    by: SearchBy = "auto",
    order: SearchOrder = "newest",
    limit: int = 20,
    offset: int = 0,
    region: str = "IN",
) -> SearchResult:
    """Search stored posts. ``by="auto"``: by identifier when the query is one (the extractor finds a linking
    identifier in it), else by text. Raises SearchError for a query or paging that cannot be run."""
    if by not in BY:
        raise SearchError(f"unknown search kind {by!r}: one of {', '.join(BY)}")
    query = _check(query, order, limit, offset)
    if by in ("identifier", "auto"):
        keys = identifier_keys(query, region)
        if keys or by == "identifier":
            hits = store.search.identifiers(keys, order=order, limit=limit, offset=offset) if keys else []
            return SearchResult(query, "identifier", hits, identifiers=keys, limit=limit, offset=offset)
    return search_text(store, query, order=order, limit=limit, offset=offset)


def search_text(
    store: Store, query: str, *, order: SearchOrder = "newest", limit: int = 20, offset: int = 0
) -> SearchResult:
    """Posts holding every word of ``query`` in their title or body."""
    query = _check(query, order, limit, offset)
    terms = text_terms(query)
    if not terms:
        raise SearchError("no words to search for: the query holds only punctuation or symbols")
    if len(terms) > MAX_TERMS:
        raise SearchError(f"too many words: {len(terms)} (limit {MAX_TERMS})")
    hits = store.search.text(terms, order=order, limit=limit, offset=offset)
    shown = [t.text + ("*" if t.prefix else "") for t in terms]
    return SearchResult(query, "text", hits, terms=shown, limit=limit, offset=offset)


def reindex(store: Store) -> int:
    """Rebuild the full-text index from the stored posts; how many posts it holds."""
    return store.search.reindex()
