"""The static HTML report: ranked leads with highlighted reasons, charts, and CSV/JSONL exports.

Rendering only: ``tipwatch.services.report.write_report(store, out_dir, top=200, min_risk=0.0)`` reads the store and
writes ``index.html`` (one self-contained file that opens from disk, offline, under a strict Content-Security-Policy),
``posts.csv`` and ``posts.jsonl``. Later capabilities add sections and per-post flags through ``register_section``
and ``register_post_flagger`` (see ``sections.py``).
"""

from __future__ import annotations

from tipwatch.report.sections import (
    PostFlag,
    PostFlagger,
    ReportContext,
    Section,
    SectionProvider,
    register_post_flagger,
    register_section,
)

__all__ = [
    "PostFlag",
    "PostFlagger",
    "ReportContext",
    "Section",
    "SectionProvider",
    "register_post_flagger",
    "register_section",
]
