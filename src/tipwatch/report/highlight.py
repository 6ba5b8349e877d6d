"""Render hostile ad text as safe HTML, with indicator and identifier spans highlighted.

Ad text is written by the people we investigate: it carries HTML, scripts and Unicode tricks. Every character goes
through ``markupsafe.escape``; the only markup here is the fixed ``<mark>``/``<span>`` wrappers we build. Highlights
are made by cutting the original text at every span boundary and escaping each piece, so they land on the exact
characters the author wrote, and overlapping or crossing spans become consecutive pieces that each list every span
covering them (``data-spans``).

Bidi controls (RLO U+202E and friends) would reorder the text on screen, hiding a phone number or spilling over into
our own labels. Each one is kept in the text (so offsets and copied text stay true) but wrapped in its own isolated
element: an isolate closes any embedding opened inside it, so the control has no effect, and CSS shows a visible tag.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Controls that change display order, and invisible characters used to split words past filters. ZWJ/ZWNJ are not
# here: Devanagari and Bengali conjuncts and emoji sequences need them.
_TRICK_CHARS: dict[str, str] = {
    "\u061c": "ALM",
    "\u200e": "LRM",
    "\u200f": "RLM",
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
    "\u200b": "ZWSP",
    "\u2060": "WJ",
    "\ufeff": "BOM",
}
_TRICKS = frozenset(_TRICK_CHARS)


def _trick_markup(ch: str) -> Markup:
    cp = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, cp)
    # The character itself as a numeric reference: the DOM text stays identical to the original.
    return Markup('<span class="ctl" data-ctl="{}" title="{} {}">&#x{:x};</span>').format(
        _TRICK_CHARS[ch], cp, name, ord(ch)
    )


def _clean_surrogates(text: str) -> str:
    # Readers keep undecodable bytes as lone surrogates; they cannot be written as UTF-8. Same length, so spans hold.
    if any("\ud800" <= c <= "\udfff" for c in text):
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def plain_text(value: object) -> str:
    """Ad-derived text for places that take no markup (attributes, SVG titles, CSV): tricks removed."""
    if value is None:
        return ""
    # No surrogate scan here: this runs per CSV cell, and store text is valid Unicode (the databases refuse lone
    # surrogates); the page is written with errors="replace" as the last guard.
    text = value if isinstance(value, str) else str(value)
    if not _TRICKS.intersection(text):
        return text
    return "".join(c for c in text if c not in _TRICKS)


def ad_text(value: object) -> Markup:
    """Escape one piece of ad-derived text and neutralize bidi/invisible tricks in it. ``None`` gives ``""``."""
    if value is None:
        return Markup("")
    text = _clean_surrogates(str(value))
    if not _TRICKS.intersection(text):
        return escape(text)
    out: list[Markup] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in _TRICKS:
            out.append(escape(text[start:i]))
            out.append(_trick_markup(ch))
            start = i + 1
    out.append(escape(text[start:]))
    return Markup("").join(out)


@dataclass(frozen=True, slots=True)
class Span:
    """One highlight: ``kind`` is "ind" (indicator) or "id" (identifier); ``key`` names it in ``data-spans``."""

    start: int
    end: int
    kind: str
    key: str
    label: str


@dataclass(frozen=True, slots=True)
class Highlighted:
    html: Markup
    truncated: int  # characters cut off the end (0 when the whole text is shown)
    dropped: tuple[str, ...]  # keys of spans that were invalid or fell outside the shown text


def highlight(text: str, spans: Iterable[Span], *, max_chars: int | None = None) -> Highlighted:
    """Escape ``text`` and wrap each stretch covered by spans in ``<mark class="hl hl-ind|hl-id" ...>``.

    Spans outside the text or empty are dropped (and reported), never trusted: offsets come from stored data.
    With ``max_chars``, the text is cut there and spans are clipped to the cut.
    """
    text = _clean_surrogates(text)
    shown = text if max_chars is None or len(text) <= max_chars else text[:max_chars]
    n = len(shown)
    valid: list[Span] = []
    dropped: list[str] = []
    for s in spans:
        if 0 <= s.start < s.end <= len(text) and s.start < n:
            valid.append(s if s.end <= n else Span(s.start, n, s.kind, s.key, s.label))
        else:
            dropped.append(s.key)
    return Highlighted(_render(shown, valid), len(text) - n, tuple(dropped))


def _render(text: str, spans: Sequence[Span]) -> Markup:
    starts: dict[int, list[Span]] = {}
    ends: dict[int, list[Span]] = {}
    for s in spans:
        starts.setdefault(s.start, []).append(s)
        ends.setdefault(s.end, []).append(s)
    bounds = sorted({0, len(text), *starts, *ends})
    active: dict[str, Span] = {}
    out: list[Markup] = []
    # Sweep: at each boundary drop the spans ending there, add the ones starting there; the piece up to the next
    # boundary is covered by exactly the active set.
    for a, b in itertools.pairwise(bounds):
        for s in ends.get(a, ()):
            active.pop(s.key, None)
        for s in starts.get(a, ()):
            active[s.key] = s
        piece = ad_text(text[a:b])
        if not active:
            out.append(piece)
            continue
        cover = sorted(active.values(), key=lambda s: (s.start, s.kind, s.key))
        kinds = sorted({s.kind for s in cover})
        out.append(
            Markup('<mark class="{}" data-spans="{}" title="{}">{}</mark>').format(
                " ".join(["hl", *(f"hl-{k}" for k in kinds)]),
                " ".join(s.key for s in cover),
                "\n".join(plain_text(s.label) for s in cover),
                piece,
            )
        )
    return Markup("").join(out)
