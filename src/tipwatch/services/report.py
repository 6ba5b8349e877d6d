"""Write the static HTML report and the CSV/JSONL exports from what is in the store.

The report's reads go through ``store.reports`` (aggregates and the top N posts; the exports stream); the page is
rendered by the pure ``tipwatch.report`` package, whose section and flag hooks let other capabilities add to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tipwatch.extract.registry import linking_types
from tipwatch.report.builtin import collect_flags
from tipwatch.report.exports import write_exports
from tipwatch.report.render import make_env
from tipwatch.report.sections import ReportContext, SectionProvider, load_plugins, template_packages
from tipwatch.report.writer import all_flaggers, build_sections, render_page, write_page
from tipwatch.store.facade import Store


def write_report(
    store: Store,
    out_dir: Path,
    *,
    top: int = 200,
    min_risk: float = 0.0,
    sections: Sequence[SectionProvider] | None = None,
) -> Path:
    """Write ``index.html``, ``posts.csv`` and ``posts.jsonl`` into ``out_dir``; return the path of index.html.

    The page shows the latest run and store totals, the ``top`` riskiest posts with risk >= ``min_risk`` (text with
    highlighted spans, reasons, identifiers) and charts; the exports hold every post. ``sections``: the section
    providers to show (default: the built-in ones plus every registered one). A failing post flagger fails the
    report (no page is better than one that shows what a flagger withholds); a failing section shows its error.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    load_plugins()
    env = make_env(template_packages())
    ctx = ReportContext(store=store, out_dir=out_dir, top=top, min_risk=min_risk, env=env)

    reports = store.reports
    exports = write_exports(reports.iter_export_rows(), out_dir)
    run = reports.latest_run()
    totals = reports.totals(min_risk)
    ranked = reports.top_posts(top, min_risk, shared_types=linking_types())
    ctx.shown_post_ids = [p.id for p in ranked]
    ctx.extra.update(ranked=ranked, totals=totals, flags=collect_flags(ctx, all_flaggers(), ctx.shown_post_ids))

    html = render_page(
        env,
        store=reports.location(),
        run=run,
        totals=totals,
        exports=exports,
        top=top,
        min_risk=min_risk,
        shown=len(ranked),
        sections=build_sections(ctx, sections),
    )
    return write_page(out_dir, html)
