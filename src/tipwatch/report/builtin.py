"""The report's own sections, written as ordinary providers of the section hook: ranked posts first (order 100,
what investigators open the report for), charts last (order 300); a networks section would sit at 200."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tipwatch.report.charts import Chart, build
from tipwatch.report.highlight import Highlighted, Span, highlight
from tipwatch.report.sections import PostFlag, PostFlagger, ReportContext, Section
from tipwatch.store.interface.reports import RankedPost

log = logging.getLogger(__name__)

# Longer texts are cut on the page (the exports and the store keep them whole); 200 posts x 6,000 characters keeps
# the page light enough to open on an office laptop.
MAX_TEXT_CHARS = 6_000
# A hostile post can repeat a keyword thousands of times; its tables stop here (highlights still show every span).
MAX_TABLE_ROWS = 60
MAX_REASONS = 30
HIST_BINS = 20


def charts_section(ctx: ReportContext) -> Section:
    reports = ctx.store.reports
    hist = reports.risk_histogram(HIST_BINS)
    by_category = reports.count_by("hit_category")
    by_hit_lang = reports.count_by("hit_language")
    weekly = reports.posts_per_week()
    places = reports.top_places(15)
    by_kind = reports.count_by("post_kind")
    by_lang = reports.count_by("post_language", limit=15)
    by_platform = reports.count_by("post_platform", limit=15)
    step = 1 / HIST_BINS
    week_notes = []
    if weekly.undated:
        week_notes.append(f"{weekly.undated:,} posts without a date not shown.")
    if weekly.earlier:
        week_notes.append(f"{weekly.earlier:,} earlier posts not shown (last {len(weekly.weeks)} weeks).")
    charts = [
        Chart(
            "risk",
            "Risk distribution (all posts)",
            [(f"{k * step:.2f}–{(k + 1) * step:.2f}", n) for k, n in enumerate(hist)],
            orientation="v",
            tick_every=4,
            column_header="Risk",
        ),
        Chart(
            "weeks",
            "Posts per week",
            [(d.isoformat(), n) for d, n in weekly.weeks],
            orientation="v",
            tick_every=max(1, len(weekly.weeks) // 8),
            note=" ".join(week_notes),
            column_header="Week (Monday)",
        ),
        Chart("hit-category", "Indicator hits by category", by_category, unit="hits", column_header="Category"),
        Chart(
            "hit-language",
            "Indicator hits by lexicon language",
            by_hit_lang,
            unit="hits",
            note="(none): structural indicators, not tied to a language." if any(not k for k, _ in by_hit_lang) else "",
            column_header="Language",
        ),
        Chart("places", "Top places named in posts", places, column_header="Place"),
        Chart("kind", "Posts by kind", by_kind, column_header="Kind"),
        Chart("post-language", "Posts by detected language", by_lang, column_header="Language"),
        Chart("platform", "Posts by platform", by_platform, column_header="Platform"),
    ]
    html = ctx.render("section_charts.html", charts=[build(c) for c in charts])
    return Section(id="charts", title="Overview charts", html=html, order=300)


@dataclass(frozen=True, slots=True)
class ReasonView:
    code: str
    contribution: float | None
    detail: str


@dataclass(frozen=True, slots=True)
class PostView:
    post: RankedPost
    text: Highlighted
    reasons: list[ReasonView]
    flags: Sequence[PostFlag]
    images_withheld: bool


def _reasons(p: RankedPost) -> list[ReasonView]:
    # Stored JSON: take what is there, typed, rather than let one odd value break the page.
    out = []
    for r in p.reasons[:MAX_REASONS]:
        c = r.get("contribution")
        num = float(c) if isinstance(c, (int, float)) and not isinstance(c, bool) else None
        out.append(ReasonView(str(r.get("code", "")), num, str(r.get("detail") or "")))
    return out


def _spans(p: RankedPost) -> list[Span]:
    spans = [
        Span(h.start, h.end, "ind", f"i{n}", f"indicator {h.code} — {h.category} ({h.domain}, weight {h.weight:+.2f})")
        for n, h in enumerate(p.hits)
    ]
    spans += [
        Span(i.start, i.end, "id", f"d{n}", f"{i.type}: {i.value}" + (" — obfuscated" if i.obfuscated else ""))
        for n, i in enumerate(p.identifiers)
    ]
    return spans


def collect_flags(ctx: ReportContext, flaggers: Sequence[PostFlagger], ids: Sequence[str]) -> dict[str, list[PostFlag]]:
    flags: dict[str, list[PostFlag]] = {}
    if not ids:
        return flags
    for flagger in flaggers:
        try:
            found = flagger(ctx.store, ids)
        except Exception:
            # A broken flagger must not hide images it was meant to withhold: fail the report instead.
            log.exception("post flagger %r failed", flagger)
            raise
        for pid, fl in found.items():
            flags.setdefault(pid, []).extend(fl)
    return flags


def posts_section(ctx: ReportContext) -> Section:
    ranked: list[RankedPost] = ctx.extra["ranked"]
    flags: dict[str, list[PostFlag]] = ctx.extra.get("flags", {})
    views = []
    for p in ranked:
        fl = flags.get(p.id, [])
        text = highlight(p.text, _spans(p), max_chars=MAX_TEXT_CHARS)
        views.append(PostView(p, text, _reasons(p), fl, any(f.withhold_images for f in fl)))
    totals: Any = ctx.extra.get("totals")
    html = ctx.render(
        "section_posts.html", views=views, top=ctx.top, min_risk=ctx.min_risk, totals=totals, max_rows=MAX_TABLE_ROWS
    )
    return Section(id="posts", title="Ranked posts", html=html, order=100, summary=f"{len(views):,} shown")
