"""Structural indicators: functions of the text's identifiers and lexicon matches rather than of one phrase.

Each rule is a pure function returning IndicatorHits (spans in the original text). Their code, category, weight,
domain, source and parameters live in data/scoring.yaml (``structural``); cue words in data/place_cues.yaml.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tipwatch.extract.registry import linking_types
from tipwatch.indicators.config import Knowledge, StructuralSpec
from tipwatch.indicators.lexicon import word_sets
from tipwatch.indicators.matcher import Match
from tipwatch.indicators.patterns import expand
from tipwatch.model import Identifier, IndicatorHit
from tipwatch.text import Normalized, normalize

_PRICE = re.compile(r"^\s*([0-9][0-9.,]*)\s*([A-Za-z]{3})\s*(?:/\s*([A-Za-z]+))?")
_LEADING_INT = re.compile(r"\d{1,3}")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True, slots=True)
class Rules:
    """The structural rules' knowledge, prepared once."""

    specs: dict[str, StructuralSpec]
    citations: dict[str, str]
    params: dict[tuple[str, str], float]
    place_before: frozenset[tuple[str, ...]]  # cue word sequences
    place_after: frozenset[tuple[str, ...]]
    place_cue_len: int  # longest cue, in words
    place_before_tail: frozenset[tuple[str, ...]]  # last one or two words of each `before` cue: a cheap first test
    place_after_words: frozenset[str]  # first word of some `after` cue
    messaging_platforms: frozenset[str]
    messaging_hosts: frozenset[str]
    pay_threshold: dict[str, float]
    per_month: dict[str, float]

    @classmethod
    def from_knowledge(cls, knowledge: Knowledge) -> Rules:
        sets = word_sets(knowledge.sets)
        cues = knowledge.place_cues

        def expanded(phrases: list[str]) -> frozenset[tuple[str, ...]]:
            return frozenset(
                tuple(w for _, _, w in _words(normalize(text).text, 0)) for p in phrases for text, _ in expand(p, sets)
            )

        scoring = knowledge.scoring
        before, after = expanded(cues.before), expanded(cues.after)
        return cls(
            specs=dict(scoring.structural),
            citations={code: knowledge.sources[s.source].cite for code, s in scoring.structural.items()},
            params={
                (code, name): float(value)
                for code, spec in scoring.structural.items()
                for name, value in spec.params.items()
                if isinstance(value, int | float)
            },
            place_before=before,
            place_after=after,
            place_cue_len=max((len(c) for c in before | after), default=0),
            place_before_tail=frozenset(c[-2:] for c in before if c),
            place_after_words=frozenset(c[0] for c in after if c),
            messaging_platforms=frozenset(p.lower() for p in scoring.messaging_platforms),
            messaging_hosts=frozenset(h.lower() for h in scoring.messaging_hosts),
            pay_threshold={k.upper(): v for k, v in scoring.unrealistic_pay.monthly_threshold.items()},
            per_month={k.lower(): v for k, v in scoring.unrealistic_pay.per_month.items()},
        )

    def hit(self, code: str, text: str, start: int, end: int) -> IndicatorHit:
        spec = self.specs[code]
        start = max(0, min(start, len(text)))
        end = max(start, min(end, len(text)))
        return IndicatorHit(
            code=code,
            category=spec.category,
            weight=spec.weight,
            start=start,
            end=end,
            text=text[start:end],
            domain=spec.domain,
            language="und",
            source=self.citations[code],
        )

    def applies(self, code: str, kind: str) -> bool:
        spec = self.specs.get(code)
        return spec is not None and (spec.kinds is None or kind in spec.kinds)

    def param(self, code: str, name: str, default: float) -> float:
        return self.params.get((code, name), default)


def obscured_phone(rules: Rules, text: str, identifiers: Sequence[Identifier]) -> list[IndicatorHit]:
    """A phone number written to dodge detection (spelled-out digits, look-alike letters, odd separators)."""
    return [
        rules.hit("OBSCURED_PHONE", text, i.start, i.end) for i in identifiers if i.type == "phone" and i.obfuscated
    ][:5]


def many_contacts(rules: Rules, text: str, identifiers: Sequence[Identifier]) -> list[IndicatorHit]:
    """Several phones (or many linking identifiers) in one post: someone handling several providers or lines."""
    phones = {i.value for i in identifiers if i.type == "phone"}
    link_types = linking_types()
    linking = {(i.type, i.value) for i in identifiers if i.type in link_types}
    if len(phones) >= rules.param("MANY_CONTACTS", "min_phones", 3) or len(linking) >= rules.param(
        "MANY_CONTACTS", "min_linking", 5
    ):
        first = min((i for i in identifiers if i.type in link_types), key=lambda i: i.start)
        return [rules.hit("MANY_CONTACTS", text, first.start, first.end)]
    return []


def multiple_ethnicities(
    rules: Rules, text: str, hits: Sequence[IndicatorHit], tags: Sequence[str | None]
) -> list[IndicatorHit]:
    """Two or more different ethnicities or nationalities offered in one post (``hits`` and their ``tags`` align)."""
    seen: dict[str, IndicatorHit] = {}
    for hit, tag in zip(hits, tags, strict=True):
        if hit.category == "ethnicity" and tag and tag not in seen:
            seen[tag] = hit
    if len(seen) >= rules.param("MULTI_ETHNICITY", "min_groups", 2):
        second = list(seen.values())[1]
        return [rules.hit("MULTI_ETHNICITY", text, second.start, second.end)]
    return []


def stated_age(rules: Rules, text: str, kind: str, identifiers: Sequence[Identifier]) -> list[IndicatorHit]:
    """A stated age under 18 (a child: STATED_AGE_MINOR) or of 18-19 (youth: STATED_AGE_YOUNG)."""
    out: list[IndicatorHit] = []
    below = rules.param("STATED_AGE_MINOR", "below", 18)
    young_min = rules.param("STATED_AGE_YOUNG", "min", 18)
    young_max = rules.param("STATED_AGE_YOUNG", "max", 19)
    for ident in identifiers:
        if ident.type != "age":
            continue
        m = _LEADING_INT.match(ident.value.strip())
        if not m:
            continue
        years = int(m.group())
        if 10 <= years < below:  # ages under 10 are more likely misreads (a count, a price) than a stated age
            out.append(rules.hit("STATED_AGE_MINOR", text, ident.start, ident.end))
        elif young_min <= years <= young_max and rules.applies("STATED_AGE_YOUNG", kind):
            out.append(rules.hit("STATED_AGE_YOUNG", text, ident.start, ident.end))
    return out[:5]


_PUNCT = ".,;:!?()[]{}\"'-–—|/*#"


def _words(text: str, offset: int) -> list[tuple[int, int, str]]:
    """(start, end, word) for the space-separated words of normalized text, punctuation stripped at the edges."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    for piece in text.split(" "):
        word = piece.strip(_PUNCT)
        if word:
            lead = len(piece) - len(piece.lstrip(_PUNCT))
            out.append((offset + pos + lead, offset + pos + lead + len(word), word))
        pos += len(piece) + 1
    return out


def new_in_place(rules: Rules, norm: Normalized, identifiers: Sequence[Identifier]) -> list[IndicatorHit]:
    """A place named with a movement cue: "new in Pune", "just arrived in Goa", "Delhi mein nayi", "Goa till Sunday".

    Read on the normalized text (already NFKC and case-folded, single spaces) around the place's span; a cheap test
    of the one word next to the place comes first, since most places have no cue.
    """
    window = int(rules.param("NEW_IN_PLACE", "window", 24))
    text, starts = norm.text, norm.starts
    for ident in identifiers:
        if ident.type != "place":
            continue
        a = bisect_left(starts, ident.start)  # first normalized char of the place
        b = bisect_left(starts, ident.end)  # first normalized char after it
        if a >= len(text):
            continue
        lo = max(0, a - window)
        tail = tuple(w.strip(_PUNCT) for w in text[lo:a].split()[-2:])
        if tail and (tail in rules.place_before_tail or tail[-1:] in rules.place_before_tail):
            hit = _cue_before(rules, norm, lo, a, ident)
            if hit:
                return hit
        # the cue's first word is the first or (after a glued suffix) the second word after the place
        following = [w.strip(_PUNCT) for w in text[b : b + window].split(maxsplit=2)[:2]]
        if b < len(text) and not rules.place_after_words.isdisjoint(following):
            hit = _cue_after(rules, norm, b, window, ident)
            if hit:
                return hit
    return []


def _cue_before(rules: Rules, norm: Normalized, lo: int, a: int, ident: Identifier) -> list[IndicatorHit]:
    before = _words(norm.text[lo:a], lo)
    if lo > 0 and before:
        before = before[1:]  # the first word may be cut by the window
    for k in range(min(rules.place_cue_len, len(before)), 0, -1):
        if tuple(w for _, _, w in before[-k:]) in rules.place_before:
            return [rules.hit("NEW_IN_PLACE", norm.original, norm.starts[before[-k][0]], ident.end)]
    return []


def _cue_after(rules: Rules, norm: Normalized, b: int, window: int, ident: Identifier) -> list[IndicatorHit]:
    text = norm.text
    after = _words(text[b : b + window], b)
    if after and after[0][0] == b and text[b] != " ":  # a suffix glued to the place (Bengali locative: কলকাতায়)
        after = after[1:]
    for k in range(min(rules.place_cue_len, len(after)), 0, -1):
        if tuple(w for _, _, w in after[:k]) in rules.place_after:
            return [rules.hit("NEW_IN_PLACE", norm.original, ident.start, norm.ends[after[k - 1][1] - 1])]
    return []


def third_party_voice(rules: Rules, text: str, plural: Sequence[IndicatorHit], singular: int) -> list[IndicatorHit]:
    """The post speaks in the first-person plural (we, our, hamare, আমাদের) more than in the singular."""
    if len(plural) >= rules.param("THIRD_PARTY_VOICE", "min_plural", 2) and len(plural) > singular:
        return [rules.hit("THIRD_PARTY_VOICE", text, plural[0].start, plural[0].end)]
    return []


def _is_messaging(rules: Rules, ident: Identifier) -> bool:
    if ident.type == "handle":
        return ident.value.split(":", 1)[0].lower() in rules.messaging_platforms
    if ident.type == "url":
        try:
            host = (urlsplit(ident.value).hostname or "").lower()
        except ValueError:
            return False
        return host.removeprefix("www.") in rules.messaging_hosts
    return False


def messaging_only(
    rules: Rules, text: str, identifiers: Sequence[Identifier], hits: Sequence[IndicatorHit]
) -> list[IndicatorHit]:
    """A job offer reachable only through messaging apps: no email, no website, no office address."""
    if any(h.category == "mitigating" for h in hits):
        return []
    messaging = [i for i in identifiers if _is_messaging(rules, i)]
    if any(i.type == "email" or (i.type == "url" and not _is_messaging(rules, i)) for i in identifiers):
        return []
    if messaging:
        return [rules.hit("MESSAGING_ONLY_JOB", text, messaging[0].start, messaging[0].end)]
    lexical = [h for h in hits if h.category == "messaging"]
    if lexical:
        return [rules.hit("MESSAGING_ONLY_JOB", text, lexical[0].start, lexical[0].end)]
    return []


def monthly_pay(rules: Rules, ident: Identifier) -> tuple[float, str] | None:
    """(monthly amount, currency) of a price identifier, or None if it is not pay-like (per night, per shot, roses).

    Reads the extractor's attrs (amount, currency, unit) when present, else its value "<amount> <CUR>[/<unit>]".
    """
    attrs = ident.attrs or {}
    amount_attr, currency_attr = attrs.get("amount"), attrs.get("currency")
    if isinstance(amount_attr, int | float) and isinstance(currency_attr, str):
        amount, currency = float(amount_attr), currency_attr.upper()
        unit = attrs.get("unit") or "month"
    else:
        m = _PRICE.match(ident.value)
        if not m:
            return None
        try:
            amount = float(m.group(1).replace(",", ""))
        except ValueError:
            return None
        currency, unit = m.group(2).upper(), m.group(3) or "month"
    factor = rules.per_month.get(str(unit).lower())
    if factor is None or not math.isfinite(amount):
        return None
    return amount * factor, currency


def unrealistic_pay(
    rules: Rules, text: str, identifiers: Sequence[Identifier], hits: Sequence[IndicatorHit]
) -> list[IndicatorHit]:
    """High pay offered for work needing no experience (an ILO deception indicator)."""
    if not any(h.category == "low_barrier" for h in hits):
        return []
    for ident in identifiers:
        if ident.type != "price":
            continue
        pay = monthly_pay(rules, ident)
        if pay is None:
            continue
        threshold = rules.pay_threshold.get(pay[1])
        if threshold is not None and pay[0] >= threshold:
            return [rules.hit("UNREALISTIC_PAY", text, ident.start, ident.end)]
    return []


def structural_hits(
    rules: Rules,
    norm: Normalized,
    kind: str,
    identifiers: Sequence[Identifier],
    lexical: Sequence[IndicatorHit],
    tags: Sequence[str | None],
    aux: Sequence[Match],
) -> list[IndicatorHit]:
    """Run every structural rule that applies to ``kind`` (and has something to look at: this runs on every post)."""
    text = norm.original
    out: list[IndicatorHit] = []
    types = {i.type for i in identifiers}
    categories = {h.category for h in lexical}
    if "phone" in types and rules.applies("OBSCURED_PHONE", kind):
        out += obscured_phone(rules, text, identifiers)
    if len(identifiers) >= 3 and rules.applies("MANY_CONTACTS", kind):
        out += many_contacts(rules, text, identifiers)
    if "ethnicity" in categories and rules.applies("MULTI_ETHNICITY", kind):
        out += multiple_ethnicities(rules, text, lexical, tags)
    if "age" in types:
        out += stated_age(rules, text, kind, identifiers)
    if "place" in types and rules.applies("NEW_IN_PLACE", kind):
        out += new_in_place(rules, norm, identifiers)
    if aux and rules.applies("THIRD_PARTY_VOICE", kind):
        plural = []
        singular = 0
        for m in aux:
            if m.entry.category == "voice_plural":
                s, e = norm.to_original(m.start, m.end)
                plural.append(IndicatorHit(m.entry.code, m.entry.category, 0.0, s, e))
            elif m.entry.category == "voice_singular":
                singular += 1
        out += third_party_voice(rules, text, plural, singular)
    if rules.applies("MESSAGING_ONLY_JOB", kind):
        out += messaging_only(rules, text, identifiers, lexical)
    if "price" in types and "low_barrier" in categories and rules.applies("UNREALISTIC_PAY", kind):
        out += unrealistic_pay(rules, text, identifiers, lexical)
    return out
