"""The lexicon pattern language, parsed into literal parts for one Aho-Corasick automaton.

A pattern is a phrase in the normalized form (NFKC, case-folded; the loader normalizes it) with three small extras:

- ``{name}`` expands to each member of a word set (``"only till {weekday}"``); a mapping set tags the hit with the
  member's canonical value (``"{nationality} girls"`` on "nepali girls" is tagged ``nepali``);
- ``word*`` (a trailing star) lets the word continue (``"ladki*"`` matches ladki, ladkiyan, ladkiyon) - needed for
  Hindi and Bengali plural and case endings written as one word; a star inside a word ("24*7") is literal;
- ``~N`` between words allows up to N other words in the same clause (``"passport ~3 submit*"``).

Every literal part is matched whole-word (unless it starts or ends with a non-word character such as an emoji).
Pure functions only: no I/O, no global state.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

MAX_GAP = 8
MAX_EXPANSIONS = 5000
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_GAP_TOKEN = re.compile(r"~(\d+)")


class PatternError(ValueError):
    """A pattern that does not follow the pattern language (the message says what is wrong)."""


@dataclass(frozen=True, slots=True)
class WordSet:
    """Members of a word set: (spelling, canonical tag or None)."""

    members: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class Part:
    literal: str  # in normalized form
    prefix: bool  # the literal's last word may continue (``word*``)


@dataclass(frozen=True, slots=True)
class Compiled:
    """One expanded pattern: literal parts in order, the max word gap after each part but the last, and a tag."""

    parts: tuple[Part, ...]
    gaps: tuple[int, ...]
    tag: str | None
    source_pattern: str


def expand(pattern: str, sets: Mapping[str, WordSet]) -> list[tuple[str, str | None]]:
    """Expand ``{name}`` placeholders; return (pattern text, tag) pairs. The tag comes from the first mapping set."""
    names = _PLACEHOLDER.findall(pattern)
    if not names:
        return [(pattern, None)]
    for name in names:
        if name not in sets:
            raise PatternError(f"unknown word set {{{name}}} in pattern {pattern!r}")
    total = 1
    for name in names:
        total *= len(sets[name].members)
    if total > MAX_EXPANSIONS:
        raise PatternError(f"pattern {pattern!r} expands to {total} phrases (max {MAX_EXPANSIONS})")
    pieces = _PLACEHOLDER.split(pattern)  # literal, name, literal, name, ..., literal
    out: list[tuple[str, str | None]] = []
    for combo in itertools.product(*(sets[name].members for name in names)):
        text = pieces[0]
        tag: str | None = None
        for k, (spelling, member_tag) in enumerate(combo):
            text += spelling + pieces[2 * k + 2]
            if tag is None and member_tag is not None:
                tag = member_tag
        out.append((text, tag))
    return out


def parse(text: str, normalize: Callable[[str], str], *, tag: str | None = None, source: str = "") -> Compiled:
    """Parse one expanded pattern into literal parts and gaps, normalizing each literal with ``normalize``."""
    tokens = text.split()
    if not tokens:
        raise PatternError("empty pattern")
    parts: list[Part] = []
    gaps: list[int] = []
    words: list[str] = []
    pending_gap: int | None = None
    implicit_gap = False  # the 0-word gap after a stem, which an explicit ~N may replace

    def close(prefix: bool) -> None:
        literal = normalize(" ".join(words))
        if not literal.strip():
            raise PatternError(f"pattern {text!r} has a part that is empty after normalization")
        if parts:
            gaps.append(pending_gap if pending_gap is not None else 0)
        parts.append(Part(literal, prefix))
        words.clear()

    for i, token in enumerate(tokens):
        gap = _GAP_TOKEN.fullmatch(token)
        if gap:
            n = int(gap.group(1))
            if not words and not parts:
                raise PatternError(f"pattern {text!r} starts with a gap")
            if i == len(tokens) - 1:
                raise PatternError(f"pattern {text!r} ends with a gap")
            if n > MAX_GAP:
                raise PatternError(f"gap ~{n} in pattern {text!r} is larger than ~{MAX_GAP}")
            if words:
                close(prefix=False)
            elif pending_gap is not None and not implicit_gap:
                raise PatternError(f"pattern {text!r} has two gaps in a row")
            pending_gap = n
            implicit_gap = False
            continue
        star = token.endswith("*")  # a '*' inside a word ("24*7") is literal
        word = token[:-1] if star else token
        if star and len(word) < 2:
            raise PatternError(f"'{token}' in pattern {text!r}: a stem needs at least two characters")
        words.append(word)
        if star:
            close(prefix=True)
            pending_gap = 0  # a stem is followed directly by the next word
            implicit_gap = True
    if words:
        close(prefix=False)
    return Compiled(tuple(parts), tuple(gaps), tag, source or text)


def compile_patterns(
    patterns: Sequence[str], sets: Mapping[str, WordSet], normalize: Callable[[str], str]
) -> list[Compiled]:
    """Expand and parse all patterns of one entry; duplicates after normalization are kept once."""
    out: list[Compiled] = []
    seen: set[tuple[tuple[Part, ...], tuple[int, ...]]] = set()
    for pattern in patterns:
        for text, tag in expand(pattern, sets):
            compiled = parse(text, normalize, tag=tag, source=pattern)
            key = (compiled.parts, compiled.gaps)
            if key not in seen:
                seen.add(key)
                out.append(compiled)
    return out
