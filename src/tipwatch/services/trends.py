"""Trends: indicator categories, terms and emoji per week, platform and place over the stored posts, and emerging
terms as candidate lexicon files for an analyst to review (tipwatch.link.trends holds the counting)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tipwatch.link.producers import chunks
from tipwatch.link.trends import TrendConfig, TrendRow, candidate_lexicon, trend_rows
from tipwatch.link.trends import trends as count_trends
from tipwatch.store.facade import Store


def _rows(store: Store) -> Iterator[TrendRow]:
    posts = store.posts
    # A chunk at a time: memory holds counters, not texts.
    for part in chunks(posts.dated_ids()):
        yield from trend_rows(posts.posts(part, text=True), posts.indicator_hits(part), posts.identifiers(part))


def trends(store: Store, cfg: TrendConfig | None = None) -> dict[str, Any]:
    """Counts per week, platform and place, and emerging terms with their evidence."""
    return count_trends(_rows(store), cfg)


def write_candidates(result: dict[str, Any], folder: Path) -> list[Path]:
    """Write the emerging terms of ``result`` as lexicon files (one per domain and language) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in candidate_lexicon(result["emerging"]).items():
        (folder / name).write_text(body, encoding="utf-8")
        written.append(folder / name)
    return written
