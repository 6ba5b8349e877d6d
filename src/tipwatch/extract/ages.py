"""Stated ages: "19 yrs", "age 19", "19 saal", "১৯ বছর", "उम्र 19", "just turned 18" (attrs ``years``: int).

Matched on the digit view. "5 years experience", "for 10 years", "3 years ago" are durations, not ages: the
words around the number (``ages.yaml``) rule them out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tipwatch.extract.context import Context, word_alternation
from tipwatch.extract.data import load
from tipwatch.model import Identifier
from tipwatch.text.normalize import normalize

_WB = r"(?![^\W_])"
_HAS_DIGIT = re.compile(r"[0-9]").search


@dataclass(slots=True, frozen=True)
class _Knowledge:
    after: re.Pattern[str]
    before: re.Pattern[str]
    not_after: re.Pattern[str]
    not_before: re.Pattern[str]
    min_age: int
    max_age: int
    weak_before: re.Pattern[str]
    weak_word: re.Pattern[str]
    weak_words: tuple[str, ...]
    not_quantity: re.Pattern[str]
    range_re: re.Pattern[str]
    range_after: re.Pattern[str]
    range_before: re.Pattern[str]
    range_people_after_min: int


@lru_cache(maxsize=1)
def _knowledge() -> _Knowledge:
    data = load("ages.yaml")
    after_words = word_alternation(w for e in data["after_number"] for w in e["words"])
    before_words = word_alternation(w for e in data["before_number"] for w in e["words"])
    joiners = word_alternation(data["range"]["joiners"])
    range_before = word_alternation(data["range"]["before"])
    people = word_alternation(data["range"]["people"])
    return _Knowledge(
        # both start with something the regex engine can scan for (a digit; a word checked for its boundary in code)
        after=re.compile(rf"(?P<n>[0-9](?<![\w.,/:][0-9])[0-9]?)\s?\+?\s?(?:-\s?)?(?:{after_words})(?:{_WB}|(?<=\.))"),
        before=re.compile(rf"(?:{before_words})\s?[:=-]?\s?(?:is\s|of\s)?(?P<n>\d{{1,2}})(?!\d|[.,:/]\d)"),
        not_after=re.compile(rf"\s?(?:{word_alternation(data['not_age_after']['words'])}){_WB}"),
        not_before=re.compile(rf"(?<![^\W_])(?:{word_alternation(data['not_age_before']['words'])})\s?$"),
        min_age=int(data["min_age"]),
        max_age=int(data["max_age"]),
        # found from its two digits (a fast scan), the word before them checked in a short window
        weak_before=re.compile(r"(?P<n>[0-9](?<![0-9][0-9])[0-9])(?![0-9])"),
        weak_word=re.compile(rf"(?<![^\W_])(?:{word_alternation(data['before_number_weak']['words'])})\s?$"),
        weak_words=tuple(normalize(str(w)).text for w in data["before_number_weak"]["words"]),
        not_quantity=re.compile(rf"\s?(?:{word_alternation(data['not_quantity_after']['words'])})(?:{_WB}|(?<=\W))"),
        # "18 to 25", "18-35": two-digit bounds; not part of a longer chain ("36-24-36", "2018-25")
        range_re=re.compile(
            rf"(?P<a>[0-9](?<![\w.,/:+-][0-9])[0-9])\s?(?:{joiners})\s?(?P<b>[0-9]{{2}})(?![0-9]|\s?[-–/.]\s?[0-9])"
        ),
        range_after=re.compile(rf"\s?\+?\s?(?:-\s?)?(?:{after_words}|(?P<people>{people}))(?:{_WB}|(?<=\.))"),
        range_people_after_min=int(data["range"]["people_after_min"]),
        range_before=re.compile(
            rf"(?<![^\W_])(?:{before_words}|{range_before}|{people})\s?(?:of\s|from\s|between\s|aged\s)?[:=-]?\s?$"
        ),
    )


def find_ages(ctx: Context) -> list[Identifier]:
    view = ctx.digits
    vt = view.text
    if not _HAS_DIGIT(vt):
        return []
    kb = _knowledge()
    out: list[Identifier] = []
    taken: list[tuple[int, int]] = []
    for m in kb.range_re.finditer(vt):
        a, b = int(m.group("a")), int(m.group("b"))
        if not (kb.min_age <= a < b <= kb.max_age and b - a <= 40):
            continue
        unit = kb.range_after.match(vt, m.end(), m.end() + 30)
        if unit and unit.group("people") and a < kb.range_people_after_min:
            unit = None  # "10 to 15 girls" counts girls; "18-25 girls" gives their ages
        cue = unit or kb.range_before.search(vt, max(0, m.start() - 30), m.start())
        if not cue or ctx.is_claimed(*view.to_original(m.start(), m.end())):
            continue
        end = unit.end() if unit and not unit.group("people") else m.end()  # "35 years", but "25" of "25 girls"
        taken.append((m.start(), end))
        for years, (s, e) in ((a, m.span("a")), (b, (m.start("b"), end))):
            ident = _ident(ctx, s, e, years, 0.85)
            ident.attrs["range"] = [a, b]
            out.append(ident)
    weak = kb.weak_before.finditer(vt) if any(w in vt for w in kb.weak_words) else ()
    for m in weak:
        w = kb.weak_word.search(vt, max(0, m.start() - 6), m.start())
        if w is None:
            continue
        years = int(m.group("n"))
        if not (kb.min_age <= years <= kb.max_age) or kb.not_quantity.match(vt, m.end(), m.end() + 12):
            continue
        if kb.not_after.match(vt, m.end(), m.end() + 30) or any(s < m.end() and w.start() < e for s, e in taken):
            continue
        if ctx.is_claimed(*view.to_original(m.start(), m.end())):
            continue
        taken.append((w.start(), m.end()))
        out.append(_ident(ctx, w.start(), m.end(), years, 0.7))
    for m in kb.before.finditer(vt):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        if m.start() > 0 and vt[m.start() - 1].isalnum():
            continue  # "image 19": the word must start a word
        years = int(m.group("n"))
        if kb.min_age <= years <= kb.max_age and not ctx.is_claimed(*view.to_original(m.start(), m.end())):
            taken.append((m.start(), m.end()))
            out.append(_ident(ctx, m.start(), m.end(), years, 0.9))
    for m in kb.after.finditer(vt):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        years = int(m.group("n"))
        if not (kb.min_age <= years <= kb.max_age) or ctx.is_claimed(*view.to_original(m.start(), m.end())):
            continue
        if kb.not_after.match(vt, m.end(), m.end() + 30) or kb.not_before.search(vt, max(0, m.start() - 20), m.start()):
            continue
        out.append(_ident(ctx, m.start(), m.end(), years, 0.85))
    return out


def _ident(ctx: Context, vs: int, ve: int, years: int, confidence: float) -> Identifier:
    start, end = ctx.digits.to_original(vs, ve)
    return Identifier("age", str(years), start, end, confidence, attrs={"years": years})
