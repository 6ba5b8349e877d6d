"""What every extractor of one post shares: the text, its normalized and digit views (each built once), the region,
and the original spans already claimed by URLs, e-mails and wallets (so their digits are not read as phones)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from tipwatch.text.digits import DigitView, digit_view_of
from tipwatch.text.normalize import Normalized, normalize

if TYPE_CHECKING:
    from tipwatch.extract.urls import Url


class Context:
    __slots__ = ("_digits", "claimed", "norm", "region", "text", "urls")

    def __init__(self, text: str, region: str = "IN", normalized: Normalized | None = None) -> None:
        self.text = text
        self.region = (region or "IN").upper()
        # a caller that already normalized this exact text (with case folding) can pass it in
        ok = normalized is not None and normalized.original is text
        self.norm: Normalized = normalized if ok and normalized is not None else normalize(text)
        self._digits: DigitView | None = None
        self.claimed: list[tuple[int, int]] = []
        # The URLs found (by the url type), for the types that read them (handles from platform links).
        self.urls: list[Url] = []

    @property
    def digits(self) -> DigitView:
        if self._digits is None:
            self._digits = digit_view_of(self.norm)
        return self._digits

    def claim(self, start: int, end: int) -> None:
        self.claimed.append((start, end))

    def is_claimed(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.claimed)


def is_word_char(ch: str) -> bool:
    """Letters, digits and combining marks (Indic vowel signs are marks, not letters, for ``str.isalpha``)."""
    if ch.isascii():
        return ch.isalnum()
    return ch.isalnum() or unicodedata.category(ch)[0] == "M"


def word_alternation(words: Iterable[str]) -> str:
    """A regex alternation of normalized words, longest first so the regex prefers "full night" over "night"."""
    keys = {normalize(str(w)).text for w in words}
    keys.discard("")
    return "|".join(re.escape(k) for k in sorted(keys, key=lambda k: (-len(k), k)))


def word_tree(words: Iterable[object], *, reverse: bool = False) -> str:
    """The alternation ``word_alternation(words)`` written as a prefix tree ("h(?:our|r)", not "hour|...|hr").

    The engine then walks one branch instead of trying every word in turn (the word lists are long and the patterns
    run at every number). Of the words that match at one position each is a prefix of the next, and the tree tries
    the longer first, like the longest-first list: the matches are the same. ``reverse``: the normalized words spelled
    backwards (for patterns run on reversed text)."""
    tree: dict[str, Any] = {}
    for key in {normalize(str(w)).text[:: -1 if reverse else 1] for w in words}:
        if not key:
            continue
        node = tree
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            if not alts:
                return ""
            alts.append("")  # the word ending here: tried after the longer ones
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return build(tree)


# A letter, digit or (for Latin and the Indic blocks, dandas excepted) combining mark: \w alone misses Indic vowel
# signs, so "साल" would match inside "साला".
_WORDISH = r"[^\W_]|[\u0300-\u036f\u0900-\u0963\u0966-\u0dff]"


def bounded(pattern: str) -> str:
    """Wrap a pattern so it only matches as whole words in any script (no letter, digit or mark on either side)."""
    return rf"(?<!{_WORDISH})(?:{pattern})(?!{_WORDISH})"


def spans_overlap(a: tuple[int, int], spans: Iterator[tuple[int, int]] | list[tuple[int, int]]) -> bool:
    return any(s < a[1] and a[0] < e for s, e in spans)
