"""Trends: which terms are in use. Counts of indicator categories, terms and emoji per week, platform and place, and
emerging terms (rising lately, and co-occurring with known indicators) proposed as candidate lexicon entries.

One streaming pass over the store (posts in chunks, with their indicator hits and places; the reading is
tipwatch.services.trends): memory holds counters, not texts. Candidates are written in the lexicon file format for
an analyst to review, edit and accept (a folder on TIPWATCH_LEXICON_PATH); nothing is added to the lexicon
automatically.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import yaml

from tipwatch.link.textsig import mask_text, tokens
from tipwatch.model import post_text
from tipwatch.store.interface.posts import HitRow, IdentifierRow, PostRecord

_EMOJI = re.compile(r"^[\U0001F300-\U0001FAFF\u2600-\u27BF]$")
_WORD = re.compile(r"^\w{3,}$")
_MASKED = re.compile(r"^x(?:phone|email|url|handle|wallet|price|age|place)x$")  # placeholders from mask_text


@dataclass(frozen=True, slots=True)
class TrendConfig:
    recent_weeks: int = 4
    baseline_weeks: int = 12
    min_recent_posts: int = 10  # a candidate is used in at least this many posts in the recent window
    min_growth: float = 2.0  # recent rate / baseline rate (smoothed)
    min_indicator_share: float = 0.5  # share of the term's recent posts that carry an indicator hit
    max_doc_share: float = 0.2  # terms in more than this share of recent posts are function words, not leads
    top: int = 30
    candidates: int = 25


@dataclass(slots=True)
class _Acc:
    weeks: Counter[date] = field(default_factory=Counter)
    cat_week: Counter[tuple[date, str]] = field(default_factory=Counter)
    cat_platform: Counter[tuple[str, str]] = field(default_factory=Counter)
    cat_place: Counter[tuple[str, str]] = field(default_factory=Counter)
    term_week: Counter[tuple[date, str]] = field(default_factory=Counter)
    term_hits_week: Counter[tuple[date, str]] = field(default_factory=Counter)
    term_cats: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    term_lang: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    term_examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    term_platform: Counter[tuple[str, str]] = field(default_factory=Counter)
    term_place: Counter[tuple[str, str]] = field(default_factory=Counter)


def week_of(ts: datetime) -> date:
    d = ts.date()
    return d - timedelta(days=d.weekday())


TrendRow = tuple[str, str, datetime, str, str, str, set[str], set[str], list[tuple[int, int, str]]]


def trend_rows(
    posts: Iterable[PostRecord], hits: Iterable[HitRow], identifiers: Iterable[IdentifierRow]
) -> Iterator[TrendRow]:
    """(id, text, posted_at, platform, language, place, hit categories, hit domains, identifier spans) per dated post
    of one chunk (posts read with text; their hits and identifiers)."""
    cats: dict[str, set[str]] = defaultdict(set)
    domains: dict[str, set[str]] = defaultdict(set)
    for pid, cat, dom in hits:
        cats[pid].add(cat)
        domains[pid].add(dom)
    places: dict[str, list[str]] = defaultdict(list)
    spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for pid, typ, value, start, end in identifiers:
        spans[pid].append((start, end, typ))
        if typ == "place":
            places[pid].append(value)
    for p in posts:
        if p.posted_at is None:
            continue
        yield (
            p.id,
            post_text(p.title, p.body),
            p.posted_at,
            p.platform or "unknown",
            p.language or "und",
            (places[p.id] or [p.location or "unknown"])[0],
            cats.get(p.id, set()),
            domains.get(p.id, set()),
            spans.get(p.id, []),
        )


def _accumulate(rows: Iterable[TrendRow]) -> tuple[_Acc, dict[str, Counter[str]]]:
    acc = _Acc()
    term_domains: dict[str, Counter[str]] = defaultdict(Counter)
    for pid, text, posted_at, platform, language, place, cats, doms, spans in rows:
        week = week_of(posted_at)
        acc.weeks[week] += 1
        for cat in cats:
            acc.cat_week[(week, cat)] += 1
            acc.cat_platform[(platform, cat)] += 1
            acc.cat_place[(place, cat)] += 1
        # Identifiers, prices and places are masked: a phone number is not a "term".
        words = tokens(mask_text(text, spans))
        terms = {t for t in words if _EMOJI.match(t) or (_WORD.match(t) and not _MASKED.match(t))}
        for t in terms:
            acc.term_week[(week, t)] += 1
            acc.term_platform[(platform, t)] += 1
            acc.term_place[(place, t)] += 1
            acc.term_lang[t][language] += 1
            if cats:
                acc.term_hits_week[(week, t)] += 1
                acc.term_cats[t].update(cats)
                term_domains[t].update(doms)
                if len(acc.term_examples[t]) < 3:
                    acc.term_examples[t].append(pid)
    return acc, term_domains


def _known_words() -> set[str]:
    """Words already in the lexicons' patterns."""
    from tipwatch.indicators.lexicon import default_lexicon

    words: set[str] = set()
    for entry in default_lexicon().entries:
        for comp in entry.patterns:
            words.update(tokens(comp.source_pattern))
    return words


def _top(counter: Counter[tuple[Any, str]], n: int) -> list[dict[str, Any]]:
    return [{"key": str(k), "term": t, "posts": c} for (k, t), c in counter.most_common(n)]


def trends(rows: Iterable[TrendRow], cfg: TrendConfig | None = None) -> dict[str, Any]:
    """Counts per week, platform and place, and emerging terms with their evidence, from ``trend_rows``."""
    cfg = cfg or TrendConfig()
    acc, term_domains = _accumulate(rows)
    weeks = sorted(acc.weeks)
    out: dict[str, Any] = {
        "weeks": [{"week": w.isoformat(), "posts": acc.weeks[w]} for w in weeks],
        "indicators_by_week": [
            {"week": w.isoformat(), "category": c, "posts": n} for (w, c), n in sorted(acc.cat_week.items())
        ],
        "indicators_by_platform": [
            {"platform": p, "category": c, "posts": n} for (p, c), n in acc.cat_platform.most_common()
        ],
        "indicators_by_place": [
            {"place": p, "category": c, "posts": n} for (p, c), n in acc.cat_place.most_common(200)
        ],
        "top_terms_by_platform": _top(acc.term_platform, cfg.top),
        "top_terms_by_place": _top(acc.term_place, cfg.top),
        "emoji_by_week": [
            {"week": w.isoformat(), "emoji": t, "posts": n}
            for (w, t), n in sorted(acc.term_week.items())
            if _EMOJI.match(t)
        ],
        "emerging": [],
    }
    if not weeks:
        return out
    last = weeks[-1]
    recent = {w for w in weeks if w > last - timedelta(weeks=cfg.recent_weeks)}
    base = {w for w in weeks if w not in recent and w > last - timedelta(weeks=cfg.recent_weeks + cfg.baseline_weeks)}
    n_recent = sum(acc.weeks[w] for w in recent)
    n_base = sum(acc.weeks[w] for w in base)
    known = _known_words()
    r_count: Counter[str] = Counter()
    r_hits: Counter[str] = Counter()
    b_count: Counter[str] = Counter()
    for (w, t), n in acc.term_week.items():
        if w in recent:
            r_count[t] += n
            r_hits[t] += acc.term_hits_week[(w, t)]
        elif w in base:
            b_count[t] += n
    emerging: list[dict[str, Any]] = []
    for t, n in r_count.items():
        if n < cfg.min_recent_posts or t in known or n > cfg.max_doc_share * max(n_recent, 1):
            continue
        # Smoothed rates: a term never seen before grows from half a post, not from zero.
        growth = (n / max(n_recent, 1)) / ((b_count[t] + 0.5) / max(n_base, 1)) if n_base else float("inf")
        share = r_hits[t] / n
        if growth >= cfg.min_growth and share >= cfg.min_indicator_share:
            cat, _ = acc.term_cats[t].most_common(1)[0]
            emerging.append(
                {
                    "term": t,
                    "recent_posts": n,
                    "baseline_posts": b_count[t],
                    "growth": round(growth, 2) if growth != float("inf") else None,
                    "indicator_share": round(share, 3),
                    "category": cat,
                    "domain": term_domains[t].most_common(1)[0][0],
                    "language": acc.term_lang[t].most_common(1)[0][0],
                    "example_posts": acc.term_examples[t],
                }
            )
    emerging.sort(key=lambda e: (-float(e["indicator_share"]) * int(e["recent_posts"]), str(e["term"])))
    out["emerging"] = emerging[: cfg.candidates]
    out["window"] = {
        "recent_from": min(recent).isoformat(),
        "to": last.isoformat(),
        "recent_posts": n_recent,
        "baseline_posts": n_base,
    }
    return out


def candidate_lexicon(emerging: list[dict[str, Any]], *, source: str = "tipwatch_trends") -> dict[str, str]:
    """Emerging terms as lexicon files (file name -> YAML, one per domain and language) for review. Weights start
    low; the evidence is in each entry's note.

    The files validate only once ``source`` is a key of the indicators' sources.yaml: accepting terms is a decision
    the analyst makes by editing and placing a file on TIPWATCH_LEXICON_PATH, not a side effect of running trends.
    """
    by_file: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in emerging:
        code = "TREND_" + re.sub(r"[^A-Z0-9]+", "_", e["term"].upper()).strip("_")
        if not re.match(r"^[A-Z][A-Z0-9_]{2,63}$", code) or code == "TREND_":
            code = f"TREND_{zlib.crc32(e['term'].encode('utf-8')):08X}"
        by_file[(e["domain"], e["language"])].append(
            {
                "code": code[:64],
                "category": e["category"],
                "weight": 0.2,
                "source": source,
                "patterns": [e["term"]],
                "note": (
                    f"candidate from tipwatch trends: {e['recent_posts']} recent posts (baseline "
                    f"{e['baseline_posts']}), {round(100 * e['indicator_share'])}% with indicator hits; "
                    f"examples {', '.join(e['example_posts'])}"
                ),
            }
        )
    header = "# Candidate lexicon entries proposed by `tipwatch trends`: review, edit, then accept.\n"
    return {
        f"trends.{dom}.{lang}.yaml": header
        + yaml.safe_dump({"domain": dom, "language": lang, "entries": entries}, allow_unicode=True, sort_keys=False)
        for (dom, lang), entries in sorted(by_file.items())
    }
