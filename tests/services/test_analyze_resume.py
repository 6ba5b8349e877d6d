"""A re-run passes over the posts the store already holds: the local engine's workers look each chunk's ids up
before analysing it. A file that grew since the last run (or a load cut short) and is run again ends in exactly the
store one whole run of the finished file gives, and the counts reconcile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from tipwatch.engines.base import Job
from tipwatch.engines.local import LocalEngine
from tipwatch.model import AlreadyStored, PostResult, Quarantined
from tipwatch.pipeline import Settings
from tipwatch.services.analyze import AnalyzeRequest, AnalyzeResult, analyze
from tipwatch.sources import ReadStats
from tipwatch.store.db import open_engine
from tipwatch.store.facade import open_store
from tipwatch.store.tables import identifiers, indicator_hits, posts, quarantine
from tipwatch.synth import generate

N_FIRST = 700  # lines in the file at the first run
N_ALL = 1_200  # lines once it has grown


def _lines() -> list[bytes]:
    lines = [orjson.dumps(post) for post, _ in generate(N_ALL - 1, seed=21)]
    lines.insert(300, b"{broken")  # a bad record among the first run's lines: quarantined once, by both runs
    return lines


def _run(url: str, path: Path, tmp: Path, name: str) -> AnalyzeResult:
    request = AnalyzeRequest(
        [path], media=False, link=False, workers=2, batch=100, quarantine_path=tmp / f"{name}-quarantine.jsonl"
    )
    with open_store(url) as store:
        return analyze(store, request, data_dir=tmp)


def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """What the store holds of the posts, without run ids, row ids and clock times."""
    post_cols = [c for c in posts.c if c.name not in ("run_id", "search_doc")]
    engine = open_engine(url, migrate=False)
    try:
        with engine.connect() as conn:
            return {
                "posts": [tuple(r) for r in conn.execute(sa.select(*post_cols).order_by(posts.c.id))],
                "identifiers": sorted(
                    tuple(r)
                    for r in conn.execute(
                        sa.select(
                            identifiers.c.post_id,
                            identifiers.c.type,
                            identifiers.c.value,
                            identifiers.c.start,
                            identifiers.c.end,
                        )
                    )
                ),
                "hits": sorted(
                    tuple(r)
                    for r in conn.execute(
                        sa.select(
                            indicator_hits.c.post_id,
                            indicator_hits.c.code,
                            indicator_hits.c.start,
                            indicator_hits.c.end,
                        )
                    )
                ),
                "quarantine": sorted(
                    tuple(r) for r in conn.execute(sa.select(quarantine.c.source, quarantine.c.position))
                ),
            }
    finally:
        engine.dispose()


def test_a_grown_file_run_again_stores_what_one_whole_run_stores(
    db_url: str, other_db_url: str, tmp_path: Path
) -> None:
    lines = _lines()
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_bytes(b"\n".join(lines[:N_FIRST]) + b"\n")
    first = _run(db_url, crawl, tmp_path, "first")
    assert first.counts.reconciles and (first.counts.stored, first.counts.quarantined) == (N_FIRST - 1, 1)

    crawl.write_bytes(b"\n".join(lines) + b"\n")  # the crawl grew
    again = _run(db_url, crawl, tmp_path, "again")
    c = again.counts
    assert c.reconciles
    assert (c.read, c.stored, c.duplicates, c.quarantined) == (N_ALL, N_ALL - N_FIRST, N_FIRST - 1, 1)
    assert again.changed == 0

    whole = _run(other_db_url, crawl, tmp_path, "whole")
    assert whole.counts.stored == N_ALL - 1
    resumed, one_go = _dump(db_url), _dump(other_db_url)
    for table in one_go:
        assert resumed[table] == one_go[table], f"{table} differs between the grown re-run and one whole run"
    assert len(one_go["identifiers"]) > N_ALL // 2 and one_go["hits"]


def test_the_local_engine_passes_over_the_posts_the_store_holds(db_url: str, tmp_path: Path) -> None:
    lines = _lines()
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_bytes(b"\n".join(lines[:N_FIRST]) + b"\n")
    _run(db_url, crawl, tmp_path, "first")
    with open_store(db_url) as store:
        held = set(store.posts.all_ids())
    crawl.write_bytes(b"\n".join(lines) + b"\n")

    job = Job(Settings(), batch=100)
    out = [r for chunk in LocalEngine(2, db_url).run([crawl], job, ReadStats()) for r in chunk]
    assert len(out) == N_ALL
    passed = [r for r in out if isinstance(r, AlreadyStored)]
    analysed = [r for r in out if isinstance(r, PostResult)]
    assert {r.post.id for r in passed} == held and len(passed) == N_FIRST - 1
    assert len(analysed) == N_ALL - N_FIRST and not {r.post.id for r in analysed} & held
    assert sum(isinstance(r, Quarantined) for r in out) == 1
    # In input order: the stored posts are the file's first lines.
    positions = [int(r.post.position.removeprefix("line ")) for r in out if not isinstance(r, Quarantined)]
    assert positions == sorted(positions) and positions[-1] == N_ALL

    # Without a store every post is analysed.
    plain = [r for chunk in LocalEngine(1).run([crawl], job, ReadStats()) for r in chunk]
    assert sum(isinstance(r, PostResult) for r in plain) == N_ALL - 1


@pytest.mark.parametrize("workers", [1, 2])
def test_a_store_that_cannot_be_read_only_costs_speed(workers: int, tmp_path: Path) -> None:
    """A look-up that fails (here: a store file that is not a database) is not an error: every post is analysed
    and the writer decides what is new."""
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_bytes(b"\n".join(_lines()[:200]) + b"\n")
    broken = tmp_path / "not-a-store.db"
    broken.write_bytes(b"this is not a database file" * 100)
    out = [
        r
        for chunk in LocalEngine(workers, f"sqlite:///{broken}").run([crawl], Job(Settings(), batch=50), ReadStats())
        for r in chunk
    ]
    assert sum(isinstance(r, PostResult) for r in out) == 200 and not any(isinstance(r, AlreadyStored) for r in out)
