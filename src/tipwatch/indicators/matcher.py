"""One Aho-Corasick automaton over every literal of every lexicon pattern, run once over the normalized text.

Per raw match we only check word boundaries (a word character is a letter, digit or combining mark, so Devanagari and
Bengali vowel signs never count as a boundary), extend ``word*`` stems to the end of the word, and chain the parts of
gap patterns. Then: overlapping hits of one category keep the longest, negated and benign-context hits are dropped,
and spans map back to the original text through Normalized.to_original.
"""

from __future__ import annotations

import functools
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from typing import NamedTuple

import ahocorasick

from tipwatch.indicators.context import ContextRules, clause_words, has_clause_break
from tipwatch.indicators.lexicon import Entry, Lexicon, default_lexicon
from tipwatch.text import Normalized, normalize


def _norm(text: str) -> str:
    return normalize(text).text


MAX_HITS_PER_CODE = 20
_BEFORE_CUE = -1
_AFTER_CUE = -2  # bounds memory and work on hostile, repetitive input; the score counts a code once anyway


@functools.lru_cache(maxsize=8192)
def is_word_char(ch: str) -> bool:
    """Letters, digits and combining marks (Indic vowel signs, virama, nukta) are inside a word."""
    return ch.isalnum() or unicodedata.category(ch)[0] == "M"


class Match(NamedTuple):
    """An entry's match in the normalized text (``start``/``end`` index Normalized.text). A NamedTuple: built for
    every match of every post, so it must be cheap."""

    entry: Entry
    start: int
    end: int
    tag: str | None


# What one automaton key stands for (a plain tuple: this is read once per raw match, in the hot loop):
# (length, must start a word, must end a word (unless used as a stem), single-part patterns as
#  (entry index, stem, tag), auxiliary entries (pronouns: counted, never scored), negation cue kind or 0,
#  key id for multi-part patterns or -1, ids of the multi-part patterns whose first part is this key)
_Key = tuple[int, bool, bool, tuple[tuple[int, bool, str], ...], tuple[int, ...], int, int, tuple[int, ...]]
MAX_AUX = 200


class Matcher:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.context = ContextRules.from_knowledge(lexicon.knowledge)
        singles: dict[str, list[tuple[int, bool, str]]] = defaultdict(list)
        aux: dict[str, list[int]] = defaultdict(list)
        firsts: dict[str, list[int]] = defaultdict(list)
        cues: dict[str, int] = {}
        kids: dict[str, int] = {}
        # multi-part pattern id -> (entry index, key id per part, stem flag per part, gaps, tag)
        self._multi: list[tuple[int, tuple[int, ...], frozenset[int], tuple[bool, ...], tuple[int, ...], str]] = []
        for ei, entry in enumerate(lexicon.entries):
            for compiled in entry.patterns:
                if len(compiled.parts) == 1:
                    part = compiled.parts[0]
                    if entry.aux and not part.prefix:
                        aux[part.literal].append(ei)
                    else:
                        singles[part.literal].append((ei, part.prefix, compiled.tag or ""))  # "" sorts with str
                    continue
                part_kids = tuple(kids.setdefault(p.literal, len(kids)) for p in compiled.parts)
                firsts[compiled.parts[0].literal].append(len(self._multi))
                stems = tuple(p.prefix for p in compiled.parts)
                self._multi.append((ei, part_kids, frozenset(part_kids), stems, compiled.gaps, compiled.tag or ""))
        # Negation cues ride in the same automaton: their positions come from the same single pass.
        for kind, phrases in ((_BEFORE_CUE, self.context.before_phrases), (_AFTER_CUE, self.context.after_phrases)):
            for phrase in phrases:
                literal = _norm(phrase)
                if literal:
                    cues[literal] = kind
        automaton = ahocorasick.Automaton()
        all_keys = set(singles) | set(aux) | set(kids) | set(cues)
        for key in all_keys:
            value: _Key = (
                len(key),
                is_word_char(key[0]),
                is_word_char(key[-1]),
                tuple(singles.get(key, ())),
                tuple(aux.get(key, ())),
                cues.get(key, 0),
                kids.get(key, -1),
                tuple(firsts.get(key, ())),
            )
            automaton.add_word(key, value)
        automaton.make_automaton()
        self._automaton = automaton
        self.n_keys = len(all_keys)
        self._neg_weight = [-abs(e.weight) for e in lexicon.entries]
        self._unless_re = [ContextRules.compile_phrases(e.unless) if e.unless else None for e in lexicon.entries]
        self._n_kids = len(kids)

    def find(self, norm: Normalized) -> list[Match]:
        """All entry matches in the normalized text, after boundary, overlap, negation and context rules."""
        text = norm.text
        if not text:
            return []
        n = len(text)
        # (start, -end, -|weight|, entry index, tag): sorts natively to "longest, then strongest, first at each start"
        raw: list[tuple[int, int, float, int, str]] = []
        neg_weight = self._neg_weight
        occ: dict[int, list[tuple[int, int, bool]]] = {}  # key id -> (start, end, word follows)
        candidates: list[int] = []
        before: list[int] = []  # end offsets of `before` negation cues (the automaton reports in end order)
        after: list[int] = []  # start offsets of `after` negation cues
        aux: list[Match] = []
        entries = self.lexicon.entries
        is_word = is_word_char
        for last, (length, need_start, need_end, singles, auxes, cue, kid, firsts) in self._automaton.iter(text):
            end = last + 1
            start = end - length
            if need_start and start > 0:
                c = text[start - 1]
                if c.isalnum() or (c >= "\u0300" and is_word(c)):
                    continue
            if end < n:
                c = text[end]
                word_follows = c.isalnum() or (c >= "\u0300" and is_word(c))
            else:
                word_follows = False
            whole = not (need_end and word_follows)
            for ei, stem, tag in singles:
                if stem:
                    raw.append((start, -(_word_end(text, end, n) if word_follows else end), neg_weight[ei], ei, tag))
                elif whole:
                    raw.append((start, -end, neg_weight[ei], ei, tag))
            if auxes and whole and len(aux) < MAX_AUX:
                aux.extend(Match(entries[ei], start, end, None) for ei in auxes)
            if kid >= 0:
                occ.setdefault(kid, []).append((start, end, word_follows))
                if firsts:
                    candidates.extend(firsts)
            if cue and whole:
                if cue == _BEFORE_CUE:
                    before.append(end)
                else:
                    after.append(start)
        if candidates:
            found = occ.keys()
            for pid in set(candidates):
                ei, part_kids, required, stems, gaps, tag = self._multi[pid]
                if found >= required:
                    spans = _chain(text, n, [occ[k] for k in part_kids], stems, gaps)
                    raw.extend((s, -e, neg_weight[ei], ei, tag) for s, e in spans)  # tag: "" for none
        if not raw:
            return aux
        after.sort()
        return self._resolve(norm, raw, entries, before, after) + aux

    def _resolve(
        self,
        norm: Normalized,
        raw: list[tuple[int, int, float, int, str]],
        entries: tuple[Entry, ...],
        before: list[int],
        after: list[int],
    ) -> list[Match]:
        # Longest first at each start; within a category (and tag: "russian and nepali girls" keeps both
        # nationalities) a match inside an earlier, longer one is dropped.
        raw.sort()
        reach: dict[tuple[str, str], int] = {}  # (category, tag) -> end of the last kept match
        per_code: dict[str, int] = {}
        out: list[Match] = []
        previous = None
        for item in raw:
            if item == previous:  # the same entry on the same span through two of its patterns
                continue
            previous = item
            s, neg_end, _, ei, tag = item
            e = -neg_end
            entry = entries[ei]
            if e <= reach.get((entry.category, tag), -1):
                continue
            if per_code.get(entry.code, 0) >= MAX_HITS_PER_CODE:
                continue
            if entry.negatable and (before or after) and self.context.negated(norm, s, e, entry.domain, before, after):
                continue
            unless = self._unless_re[ei]
            if unless is not None and self.context.benign(norm.text, s, e, unless):
                continue
            reach[(entry.category, tag)] = e
            per_code[entry.code] = per_code.get(entry.code, 0) + 1
            out.append(Match(entry, s, e, tag or None))
        return out


def _word_end(text: str, i: int, n: int) -> int:
    while i < n and is_word_char(text[i]):
        i += 1
    return i


def _spans(text: str, n: int, occurrences: list[tuple[int, int, bool]], stem: bool) -> list[tuple[int, int]]:
    """A part's usable spans: a stem extends to the end of its word; a whole word must end there."""
    if stem:
        return [(s, _word_end(text, e, n) if follows else e) for s, e, follows in occurrences]
    return [(s, e) for s, e, follows in occurrences if not follows]


def _chain(
    text: str,
    n: int,
    occurrences: list[list[tuple[int, int, bool]]],
    stems: tuple[bool, ...],
    gaps: tuple[int, ...],
) -> list[tuple[int, int]]:
    """Spans where part 0, part 1, ... follow each other with at most gaps[k] words between, in one clause.

    Each part's occurrences are in start order (one key, one length), so the first candidate after the previous part
    is found by bisection and is the only one worth testing: later ones are farther away."""
    parts = [_spans(text, n, o, stem) for o, stem in zip(occurrences, stems, strict=True)]
    starts = [[s for s, _ in p] for p in parts]
    found: list[tuple[int, int]] = []
    for s0, e0 in parts[0]:
        cur = e0
        for k in range(1, len(parts)):
            i = bisect_left(starts[k], cur)
            if i == len(starts[k]):
                break
            s, e = parts[k][i]
            between = text[cur:s]
            if has_clause_break(between) or clause_words(between) > gaps[k - 1]:
                break
            cur = e
        else:
            found.append((s0, cur))
        if len(found) >= MAX_HITS_PER_CODE:
            break
    return found


@functools.cache
def default_matcher() -> Matcher:
    """The matcher over the default lexicon, built once per process."""
    return Matcher(default_lexicon())
