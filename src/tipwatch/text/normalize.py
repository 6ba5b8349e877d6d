"""Normalize text for matching while keeping, for every output character, the span it came from.

The matching form: Unicode NFKC (applied per base character plus its combining marks, so Indic vowel signs and
Latin accents compose exactly as whole-string NFKC would), case folding, default-ignorable characters (zero-width
joiners, bidi marks, variation selectors, soft hyphens) and control characters removed, whitespace runs collapsed to
one space, no leading or trailing space.

Speed: this runs on every post. Printable-ASCII stretches (most of a typical post) are copied as whole slices with
``range`` offsets; only the other stretches go character by character, through a per-character cache.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(slots=True)
class Normalized:
    """A normalized text plus, per output character, the [start, end) span of the original it came from."""

    original: str
    text: str
    starts: list[int]
    ends: list[int]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalized text to the original text."""
        if not self.text:
            return (0, 0)
        start = max(0, min(start, len(self.text) - 1))
        end = max(start + 1, min(end, len(self.text)))
        return self.starts[start], self.ends[end - 1]


# Stretches of printable ASCII vs everything else; the second kind keeps its inner ASCII spaces, so a sentence in an
# Indic script is one stretch.
_ASCII_RUN = re.compile(r"[ -~]+|[^!-~]+")
_SPACES = re.compile(r" {2,}")

# Default_Ignorable_Code_Point characters that are not category Cf (variation selectors, combining grapheme joiner,
# Hangul fillers): invisible, so an author can sprinkle them inside words to dodge matching.
_IGNORABLE_EXTRA = frozenset(
    [chr(c) for c in range(0xFE00, 0xFE10)]
    + [chr(c) for c in range(0xE0100, 0xE01F0)]
    + ["\u034f", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u3164", "\uffa0"]
)

_EXTRA_RE = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0]+")
_EXTRA_SEARCH = _EXTRA_RE.search
_EXTRA_FIND = _EXTRA_RE.finditer

# Per-character mapping caches (one per fold_case value). Values: replacement text ("" = dropped, " " = space).
_CHAR_CACHE: tuple[dict[str, str], dict[str, str]] = ({}, {})


def _map_char(ch: str, fold_case: bool) -> str:
    cache = _CHAR_CACHE[fold_case]
    piece = cache.get(ch)
    if piece is None:
        cat = unicodedata.category(ch)
        if ch.isspace():
            piece = " "
        elif cat in ("Cf", "Cc", "Cs") or ch in _IGNORABLE_EXTRA:
            piece = ""
        else:
            piece = unicodedata.normalize("NFKC", ch)
            if fold_case:
                piece = piece.casefold()
            if any(c.isspace() for c in piece):
                # Spacing accents (´ ¨ ˜) become space + combining mark under NFKC: keep just the space, or the mark
                # would compose with the previous letter on a second pass.
                piece = _spaced(piece)
        if len(cache) < 50_000:  # bounded: hostile text cannot grow it without limit
            cache[ch] = piece
    return piece


_MARK_CACHE: dict[str, bool] = {}


def _is_mark(ch: str) -> bool:
    mark = _MARK_CACHE.get(ch)
    if mark is None:
        mark = unicodedata.category(ch)[0] == "M"
        if len(_MARK_CACHE) < 50_000:
            _MARK_CACHE[ch] = mark
    return mark


_OTHER_SPACE = re.compile(r"[^\S ]")  # whitespace other than the ASCII space
# What the fast path fixes by itself: space runs, leading/trailing spaces, and the invisible characters most often
# met (variation selectors of emoji, zero-width (non-)joiners and spaces, bidi marks, soft hyphen, BOM).
_DROP = "\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe00-\ufe0f\U000e0100-\U000e01ef"
_FIXES = re.compile(rf" {{2,}}|^ +| +$|[{_DROP}]+")
_DROPPED = re.compile(rf"[{_DROP}]+")


def _fast_path(text: str, fold_case: bool) -> Normalized | None:
    """The whole text at C speed when it needs only case folding, whitespace folding and dropping the usual
    invisible characters (most posts); None when a character needs the per-cluster path."""
    folded = text.casefold() if fold_case else text
    if len(folded) != len(text):
        return None
    if not text.isascii() and not unicodedata.is_normalized("NFKC", folded):
        return None
    spaced = _OTHER_SPACE.sub(" ", folded)
    fixes = list(_FIXES.finditer(spaced))
    probe = _DROPPED.sub("", spaced) if fixes else spaced
    if not probe.isprintable():  # control, other format, line/paragraph separators, unassigned characters
        return None
    n = len(text)
    if not fixes:
        return Normalized(text, spaced, list(range(n)), list(range(1, n + 1)))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    prev_space = True
    pos = 0
    for m in fixes:
        a, b = m.span()
        if a > pos:
            prev_space = _emit_plain(spaced, pos, a, out, starts, ends, prev_space)
        if spaced[a] == " " and not prev_space:
            out.append(" ")
            starts.append(a)
            ends.append(a + 1)
            prev_space = True
        pos = b
    if pos < n:
        _emit_plain(spaced, pos, n, out, starts, ends, prev_space)
    return _finish(text, out, starts, ends)


def _finish(text: str, out: list[str], starts: list[int], ends: list[int]) -> Normalized:
    """Join the pieces and drop a trailing space (with its offsets)."""
    result = "".join(out)
    if result.endswith(" "):
        result = result[:-1]
        del starts[-1]
        del ends[-1]
    return Normalized(text, result, starts, ends)


def _emit_plain(
    spaced: str, a: int, b: int, out: list[str], starts: list[int], ends: list[int], prev_space: bool
) -> bool:
    """Copy spaced[a:b] 1:1 (it holds no space runs), skipping a leading space after a space."""
    if prev_space and spaced[a] == " ":
        a += 1
        if a == b:
            return prev_space
    out.append(spaced[a:b])
    starts.extend(range(a, b))
    ends.extend(range(a + 1, b + 1))
    return spaced[b - 1] == " "


def normalize(text: str, *, fold_case: bool = True) -> Normalized:
    """Return the matching form of ``text`` with an offset map back to it."""
    fast = _fast_path(text, fold_case)
    if fast is not None:
        return fast
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    prev_space = True  # suppresses leading spaces and space runs
    for m in _ASCII_RUN.finditer(text):
        a, b = m.span()
        chunk = m.group()
        if chunk[0] <= "~" and chunk[0] >= " ":
            if fold_case:
                chunk = chunk.lower()  # equals casefold() on ASCII
            if prev_space and chunk[0] == " ":
                stripped = chunk.lstrip(" ")
                a += len(chunk) - len(stripped)
                chunk = stripped
                if not chunk:
                    continue
            if "  " in chunk:
                pos = a
                for piece in _split_spaces(chunk):
                    if piece[0] == " ":
                        out.append(" ")
                        starts.append(pos)
                        ends.append(pos + 1)
                    else:
                        out.append(piece)
                        starts.extend(range(pos, pos + len(piece)))
                        ends.extend(range(pos + 1, pos + len(piece) + 1))
                    pos += len(piece)
            else:
                out.append(chunk)
                starts.extend(range(a, b))
                ends.extend(range(a + 1, b + 1))
            prev_space = chunk[-1] == " "
            continue
        if _EXTRA_SEARCH(chunk):
            # Variation selectors (emoji) and the like: drop them and treat the pieces between them separately.
            pos = a
            for m2 in _EXTRA_FIND(chunk):
                if m2.start() + a > pos:
                    prev_space = _emit_other(text, pos, a + m2.start(), fold_case, out, starts, ends, prev_space)
                pos = a + m2.end()
            if pos < b:
                prev_space = _emit_other(text, pos, b, fold_case, out, starts, ends, prev_space)
        else:
            prev_space = _emit_other(text, a, b, fold_case, out, starts, ends, prev_space)
    return _finish(text, out, starts, ends)


def _emit_other(
    text: str,
    a: int,
    b: int,
    fold_case: bool,
    out: list[str],
    starts: list[int],
    ends: list[int],
    prev_space: bool,
) -> bool:
    """Emit text[a:b] (a stretch that is not plain printable ASCII); return the new prev_space."""
    chunk = text[a:b]
    folded = chunk.casefold() if fold_case else chunk
    if (
        len(folded) == len(chunk)
        and chunk.isprintable()  # no control, format, separator or unassigned characters
        and "  " not in chunk
        and not (prev_space and chunk[0] == " ")
        and not _is_mark(chunk[0])
        and unicodedata.is_normalized("NFKC", folded)
    ):
        # Already in matching form (most words in Indic scripts, emoji): a 1:1 copy.
        out.append(folded)
        starts.extend(range(a, b))
        ends.extend(range(a + 1, b + 1))
        return folded[-1] == " "
    return _slow_run(text, a, b, fold_case, out, starts, ends, prev_space)


def _split_spaces(chunk: str) -> list[str]:
    """Split an ASCII chunk into words and single-space separators (space runs collapse to one)."""
    pieces: list[str] = []
    last = 0
    for m in _SPACES.finditer(chunk):
        if m.start() > last:
            pieces.append(chunk[last : m.start()])
        pieces.append(" " * (m.end() - m.start()))
        last = m.end()
    if last < len(chunk):
        pieces.append(chunk[last:])
    # Each space run is emitted as one " " mapped to its first character; keep run lengths for offsets.
    return pieces


def _slow_run(
    text: str,
    a: int,
    b: int,
    fold_case: bool,
    out: list[str],
    starts: list[int],
    ends: list[int],
    prev_space: bool,
) -> bool:
    """Normalize text[a:b] (no printable ASCII inside) cluster by cluster; return the new prev_space."""
    i = a
    while i < b:
        ch = text[i]
        j = i + 1
        if _map_char(ch, fold_case) not in ("", " "):  # marks attach to a visible base, not to a space or control
            while j < b and _is_mark(text[j]):
                j += 1
        span_start = i
        if i == a and a > 0 and _is_mark(ch) and out and out[-1] and out[-1][-1] != " " and ends[-1] == a:
            # Marks right after printable ASCII ("e" + U+0301): recompose with that last character.
            base = out[-1][-1]
            out[-1] = out[-1][:-1]
            span_start = starts.pop()
            ends.pop()
            piece = _normalize_cluster(base + text[i:j], fold_case)
        elif j == i + 1:
            piece = _map_char(ch, fold_case)
        else:
            piece = _normalize_cluster(text[i:j], fold_case)
        for c in piece:
            if c == " ":
                if prev_space:
                    continue
                prev_space = True
            else:
                prev_space = False
            out.append(c)
            starts.append(span_start)
            ends.append(j)
        i = j
    return prev_space


def _normalize_cluster(cluster: str, fold_case: bool) -> str:
    """NFKC (and fold) a base character with its combining marks, dropping ignorable characters inside it."""
    kept = "".join(c for c in cluster if c not in _IGNORABLE_EXTRA and unicodedata.category(c) not in ("Cf", "Cc"))
    piece = unicodedata.normalize("NFKC", kept)
    if fold_case:
        piece = unicodedata.normalize("NFKC", piece.casefold())
    return _spaced(piece) if any(c.isspace() for c in piece) else piece


def _spaced(piece: str) -> str:
    words = ["".join(c for c in w if not _is_mark(c)) for w in piece.split()]
    return " ".join(w for w in words if w) or " "
