"""The page itself: the section providers to run, index.html rendered from what the store returned, and its atomic
write. Reading the store and running the sections is ``tipwatch.services.report.write_report``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment

from tipwatch.report.builtin import charts_section, posts_section
from tipwatch.report.exports import ExportCounts
from tipwatch.report.media_guard import restricted_media_flagger
from tipwatch.report.render import csp_for, inline_css, stylesheet
from tipwatch.report.sections import (
    PostFlagger,
    ReportContext,
    Section,
    SectionProvider,
    registered_flaggers,
    registered_sections,
    run_provider,
)
from tipwatch.store.interface.reports import RunSummary, StoreTotals

BUILTIN_SECTIONS: tuple[SectionProvider, ...] = (charts_section, posts_section)
BUILTIN_FLAGGERS: tuple[PostFlagger, ...] = (restricted_media_flagger,)


def all_flaggers() -> list[PostFlagger]:
    """The built-in flaggers (never optional: they withhold abuse-material references) and every registered one."""
    return [*BUILTIN_FLAGGERS, *registered_flaggers()]


def build_sections(ctx: ReportContext, sections: Sequence[SectionProvider] | None = None) -> list[Section]:
    """Run the providers (default: the built-in ones plus every registered one); the sections in page order."""
    providers = list(BUILTIN_SECTIONS) + registered_sections() if sections is None else list(sections)
    built: list[Section] = [s for s in (run_provider(p, ctx) for p in providers) if s is not None]
    built.sort(key=lambda s: s.order)
    return built


def render_page(
    env: Environment,
    *,
    store: str,
    run: RunSummary | None,
    totals: StoreTotals,
    exports: ExportCounts,
    top: int,
    min_risk: float,
    shown: int,
    sections: Sequence[Section],
) -> str:
    """index.html: the header (store, latest run, totals, exports) and the sections."""
    css = stylesheet()
    return env.get_template("index.html").render(
        csp=csp_for(css),
        css=inline_css(css),
        generated_at=datetime.now(UTC),
        store=store,
        run=run,
        totals=totals,
        exports=exports,
        top=top,
        min_risk=min_risk,
        shown=shown,
        sections=sections,
    )


def write_page(out_dir: Path, html: str) -> Path:
    """Write ``out_dir``/index.html under a temporary name, then rename; return its path."""
    index = out_dir / "index.html"
    tmp = out_dir / "index.html.part"
    # errors="replace": a lone surrogate that slipped through must not abort the write.
    tmp.write_text(html, encoding="utf-8", errors="replace")
    os.replace(tmp, index)
    return index
