"""``write_report``: the static HTML report plus the CSV/JSONL exports, read from the store."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from tipwatch.report import queries
from tipwatch.report.builtin import charts_section, collect_flags, posts_section
from tipwatch.report.exports import write_exports
from tipwatch.report.media_guard import restricted_media_flagger
from tipwatch.report.render import csp_for, inline_css, make_env, stylesheet
from tipwatch.report.sections import (
    PostFlagger,
    ReportContext,
    Section,
    SectionProvider,
    load_plugins,
    registered_flaggers,
    registered_sections,
    run_provider,
    template_packages,
)

BUILTIN_SECTIONS: tuple[SectionProvider, ...] = (charts_section, posts_section)
BUILTIN_FLAGGERS: tuple[PostFlagger, ...] = (restricted_media_flagger,)


def write_report(
    engine: Engine,
    out_dir: Path,
    *,
    top: int = 200,
    min_risk: float = 0.0,
    sections: Sequence[SectionProvider] | None = None,
) -> Path:
    """Write ``index.html``, ``posts.csv`` and ``posts.jsonl`` into ``out_dir``; return the path of index.html.

    The page shows the latest run and store totals, the ``top`` riskiest posts with risk >= ``min_risk`` (text with
    highlighted spans, reasons, identifiers) and charts; the exports hold every post. ``sections``: the section
    providers to show (default: the built-in ones plus every registered one).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    load_plugins()
    env = make_env(template_packages())
    ctx = ReportContext(engine=engine, out_dir=out_dir, top=top, min_risk=min_risk, env=env)

    exports = write_exports(engine, out_dir)
    with engine.connect() as conn:
        run = queries.latest_run(conn)
        totals = queries.store_totals(conn, min_risk)
        ranked = queries.top_posts(conn, top, min_risk)
    ctx.shown_post_ids = [p.id for p in ranked]
    ctx.extra.update(
        ranked=ranked,
        totals=totals,
        flags=collect_flags(ctx, [*BUILTIN_FLAGGERS, *registered_flaggers()], ctx.shown_post_ids),
    )

    providers = list(BUILTIN_SECTIONS) + registered_sections() if sections is None else list(sections)
    built: list[Section] = [s for s in (run_provider(p, ctx) for p in providers) if s is not None]
    built.sort(key=lambda s: s.order)

    css = stylesheet()
    html = env.get_template("index.html").render(
        csp=csp_for(css),
        css=inline_css(css),
        generated_at=datetime.now(UTC),
        store=engine.url.render_as_string(hide_password=True),
        run=run,
        totals=totals,
        exports=exports,
        top=top,
        min_risk=min_risk,
        shown=len(ranked),
        sections=built,
    )
    index = out_dir / "index.html"
    tmp = out_dir / "index.html.part"
    # errors="replace": a lone surrogate that slipped through must not abort the write.
    tmp.write_text(html, encoding="utf-8", errors="replace")
    os.replace(tmp, index)
    return index
