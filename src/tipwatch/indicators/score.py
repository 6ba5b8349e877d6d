"""The indicator model: lexicon and structural hits -> risk in [0, 1] with an ordered explanation.

log-odds = intercept + sum over categories of clip(sum over codes of weight x relevance(kind, domain), cap)

- each code counts once per post (its strongest occurrence): repeating "fresh fresh fresh" adds nothing;
- relevance (data/scoring.yaml) makes the model kind-aware: a job-ad flag counts fully in a job ad, little in an
  escort ad; sex-ad wording counts less in a job ad, and so on;
- caps bound each category, a negative cap bounds the mitigating evidence (licensed agency, no worker fees).

Each Reason is one code with its contribution in log-odds (its share of the capped category sum), ordered: raising
reasons first, largest first; then lowering reasons, largest first. intercept + sum(contributions) = logit(risk).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from tipwatch.indicators.config import Knowledge
from tipwatch.indicators.lexicon import Entry
from tipwatch.indicators.matcher import Match, Matcher, default_matcher
from tipwatch.indicators.structural import Rules, structural_hits
from tipwatch.model import Assessment, Identifier, IndicatorHit, Reason
from tipwatch.text import Normalized, normalize

MODEL_NAME = "indicators"


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def logit(p: float, eps: float = 1e-6) -> float:
    p = min(1.0 - eps, max(eps, p))
    return math.log(p / (1.0 - p))


@dataclass(frozen=True, slots=True)
class CategoryScore:
    category: str
    raw: float  # sum of effective weights before the cap
    capped: float


class Scorer:
    """The matcher, structural rules and scoring table, prepared once per process."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        knowledge: Knowledge = matcher.lexicon.knowledge
        scoring = knowledge.scoring
        self.intercept = scoring.intercept
        self.caps = {name: c.cap for name, c in scoring.categories.items() if not c.aux}
        self.relevance: dict[str, dict[str, float]] = {
            kind: {str(d): w for d, w in row.items()} for kind, row in scoring.relevance.items()
        }
        self.rules = Rules.from_knowledge(knowledge)
        self.source_keys = {e.code: e.source for e in matcher.lexicon.entries}
        self.source_keys.update({code: s.source for code, s in scoring.structural.items()})

    def hits(
        self, norm: Normalized, kind: str, identifiers: Sequence[Identifier]
    ) -> tuple[list[IndicatorHit], list[Match]]:
        """Lexicon and structural hits (spans in the original text), and the auxiliary matches."""
        original = norm.original
        starts, ends = norm.starts, norm.ends
        relevance = self.relevance.get(kind) or self.relevance["other"]
        lexical: list[IndicatorHit] = []
        tags: list[str | None] = []
        aux: list[Match] = []
        by_span: dict[tuple[int, int], int] = {}
        for m in self.matcher.find(norm):
            entry = m.entry
            if entry.aux:
                aux.append(m)
                continue
            # One phrase, one meaning: when entries of two domains match the very same words ("pay for your visa" is
            # a job-ad fee and a dating lure), keep the one that matters most for this kind of post.
            span = (m.start, m.end)
            other = by_span.get(span)
            if other is not None:
                prev = lexical[other]
                if abs(prev.weight * relevance[prev.domain]) >= abs(entry.weight * relevance[entry.domain]):
                    continue
                lexical[other] = _hit(entry, starts[m.start], ends[m.end - 1], original)
                tags[other] = m.tag
                continue
            by_span[span] = len(lexical)
            s, e = starts[m.start], ends[m.end - 1]  # matches are non-empty spans inside norm.text
            lexical.append(_hit(entry, s, e, original))
            tags.append(m.tag)
        structural = structural_hits(self.rules, norm, kind, identifiers, lexical, tags, aux)
        hits = lexical + structural
        hits.sort(key=lambda h: (h.start, h.end, h.code))
        return hits, aux

    def _strongest(self, hits: Sequence[IndicatorHit], kind: str) -> dict[str, tuple[float, IndicatorHit, int]]:
        """Per code: (effective weight of its strongest occurrence, first hit, number of hits)."""
        relevance = self.relevance.get(kind) or self.relevance["other"]
        best: dict[str, tuple[float, IndicatorHit, int]] = {}
        for h in hits:
            w = h.weight * relevance.get(h.domain, 1.0)
            prev = best.get(h.code)
            if prev is None:
                best[h.code] = (w, h, 1)
            else:
                strongest = w if abs(w) > abs(prev[0]) else prev[0]
                best[h.code] = (strongest, prev[1], prev[2] + 1)
        return best

    def _capped(self, category: str, raw: float) -> float:
        cap = self.caps.get(category, 0.0)
        return min(raw, cap) if cap >= 0 else max(raw, cap)

    def category_scores(self, hits: Sequence[IndicatorHit], kind: str) -> dict[str, float]:
        """Each category's capped contribution to the log-odds (the classifier uses these as features)."""
        raw: dict[str, float] = {}
        for w, h, _ in self._strongest(hits, kind).values():
            raw[h.category] = raw.get(h.category, 0.0) + w
        return {category: self._capped(category, value) for category, value in raw.items()}

    def score(self, hits: Sequence[IndicatorHit], kind: str) -> Assessment:
        """The risk and its reasons from hits already found."""
        best = self._strongest(hits, kind)
        by_category: dict[str, list[str]] = {}
        for code, (_, h, _) in best.items():
            by_category.setdefault(h.category, []).append(code)
        reasons: list[Reason] = []
        total = self.intercept
        for category, codes in by_category.items():
            raw = sum(best[c][0] for c in codes)
            capped = self._capped(category, raw)
            total += capped
            scale = capped / raw if raw else 0.0
            for code in codes:
                w, h, count = best[code]
                times = f" (x{count})" if count > 1 else ""
                detail = f"{category}: {_snippet(h.text)!r}{times}; source {self.source_keys.get(code, '?')}"
                reasons.append(Reason(code, round(w * scale, 4), detail, h.start, h.end))
        reasons.sort(key=lambda r: (r.contribution < 0, -abs(r.contribution), r.code))
        risk = sigmoid(total)
        return Assessment(risk=risk, reasons=reasons, model=MODEL_NAME, indicator_risk=risk)

    def assess(
        self, text: str, kind: str, identifiers: Sequence[Identifier], normalized: Normalized | None = None
    ) -> tuple[list[IndicatorHit], Assessment]:
        norm = normalized if normalized is not None and normalized.original == text else normalize(text)
        hits, _ = self.hits(norm, kind, identifiers)
        return hits, self.score(hits, kind)


def _hit(entry: Entry, start: int, end: int, original: str) -> IndicatorHit:
    return IndicatorHit(
        code=entry.code,
        category=entry.category,
        weight=entry.weight,
        start=start,
        end=end,
        text=original[start:end],
        domain=entry.domain,
        language=entry.language,
        source=entry.citation,
    )


def _snippet(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@functools.cache
def default_scorer() -> Scorer:
    return Scorer(default_matcher())


def assess(
    text: str, kind: str, identifiers: list[Identifier], normalized: Normalized | None = None
) -> tuple[list[IndicatorHit], Assessment]:
    """Indicator hits (spans in ``text``) and the indicator model's Assessment of one post.

    ``kind`` is the post kind (escort_ad, job_ad, ...; unknown kinds count as ``other``); ``identifiers`` come from
    tipwatch.extract (phones with ``obfuscated``, ages, places, prices, handles); pass ``normalized`` when the caller
    already normalized ``text`` (it must be the normalization of this very text).
    """
    return default_scorer().assess(text, kind, identifiers, normalized)
