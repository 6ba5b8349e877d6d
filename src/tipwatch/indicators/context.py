"""Negation and benign context around a match, limited to its clause (as in NegEx).

"no fees charged" must not fire "fees charged", nor "कोई फीस नहीं" / "ফি লাগবে না" fire the fee entry. The cue phrases
of data/negation.yaml are keys of the matcher's automaton, so their positions come from the same single pass; a
match is negated when a `before` cue ends at most ``gap`` words before it (gap per entry domain), or an `after` cue
starts at most ``after_gap`` words after it, with no clause break (punctuation, danda, line break) in between.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from tipwatch.indicators.config import Knowledge
from tipwatch.text import Normalized

# A word: letters/digits plus combining marks (Python's \w leaves out Indic vowel signs and viramas). One character
# class (not an alternation): several times faster.
WORD_RE = re.compile(
    r"[\w\u0300-\u036F\u0900-\u0963\u0966-\u0DFF\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]+"
)
_CLAUSE_BREAK = re.compile(r"[.,;:!?|\n\r\u0964\u0965\u2022]")
_WINDOW = 60  # characters; a cue farther away than this is never "next to" the match


def clause_words(text: str) -> int:
    return len(WORD_RE.findall(text))


def has_clause_break(text: str) -> bool:
    return _CLAUSE_BREAK.search(text) is not None


@dataclass(frozen=True, slots=True)
class ContextRules:
    before_phrases: tuple[str, ...]
    after_phrases: tuple[str, ...]
    gap: dict[str, int]
    after_gap: int

    @classmethod
    def from_knowledge(cls, knowledge: Knowledge) -> ContextRules:
        neg = knowledge.negation
        before = tuple(sorted({p for phrases in neg.before.values() for p in phrases}))
        after = tuple(sorted({p for phrases in neg.after.values() for p in phrases}))
        return cls(before, after, {str(k): v for k, v in neg.gap.items()}, neg.after_gap)

    def negated(
        self,
        norm: Normalized,
        start: int,
        end: int,
        domain: str,
        before_ends: Sequence[int],
        after_starts: Sequence[int],
    ) -> bool:
        """True when a cue negates the match [start, end). Cue positions come from the automaton (normalized text):
        ``before_ends`` are the sorted end offsets of `before` cues, ``after_starts`` the sorted start offsets of
        `after` cues."""
        text = norm.text
        gap = self.gap.get(domain, 1)
        j = bisect_right(before_ends, start) - 1
        while j >= 0 and start - before_ends[j] <= _WINDOW:
            if _close(norm, text, before_ends[j], start, gap):
                return True
            j -= 1
        after_gap = self.after_gap if gap > 0 else 0
        k = bisect_left(after_starts, end)
        while k < len(after_starts) and after_starts[k] - end <= _WINDOW:
            if _close(norm, text, end, after_starts[k], after_gap):
                return True
            k += 1
        return False

    @staticmethod
    def benign(text: str, start: int, end: int, phrases: re.Pattern[str]) -> bool:
        """True when one of an entry's benign-context phrases (one compiled alternation) occurs near the match."""
        return phrases.search(text, max(0, start - _WINDOW), end + _WINDOW) is not None

    @staticmethod
    def compile_phrases(phrases: Sequence[str]) -> re.Pattern[str]:
        return re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))


def _close(norm: Normalized, text: str, a: int, b: int, max_words: int) -> bool:
    """At most ``max_words`` words and no clause break between a and b (a line break in the original counts)."""
    between = text[a:b]
    if _CLAUSE_BREAK.search(between) or len(WORD_RE.findall(between)) > max_words:
        return False
    if a < b and a > 0:
        o_a, o_b = norm.ends[a - 1], norm.starts[b] if b < len(norm.starts) else len(norm.original)
        if "\n" in norm.original[o_a:o_b]:
            return False
    return True
