"""PostgreSQL's COPY path of the analyze writer (store.sql.bulk) stores exactly the rows the INSERT path stores: the
same corpus (posts with pictures, malformed records, duplicates with changed content, across several batches) is
analyzed into two PostgreSQL stores, one through each path, and every stored row is compared."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.store import writer as writer_module
from tipwatch.store.facade import Store, open_store
from tipwatch.store.media_tables import media_items
from tipwatch.store.sql import runs as runs_module
from tipwatch.store.tables import identifiers, indicator_hits, posts, quarantine, runs
from tipwatch.synth.generator import generate

# Columns left out of the comparison: surrogate keys and the time a row was written.
UNSTABLE = {"id", "created_at", "started_at", "finished_at"}
N = 400


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    images = tmp_path / "images"
    lines = [json.dumps(post) for post, _ in generate(N, 11, images_dir=images)]
    first = json.loads(lines[0])
    lines += [
        "{not json",  # quarantined: the reader names the line and the reason
        json.dumps({**first, "body": first.get("body", "") + " changed"}),  # same id, other content
        lines[1],  # the same post again
        json.dumps({"id": "nul", "title": "a\x00b", "body": "text with a NUL \x00 and a lone \ud800 surrogate"}),
    ]
    path = images.parent / "posts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    return path


@pytest.fixture
def second_pg(other_db_url: str) -> Iterator[str]:
    yield other_db_url


def _run(url: str, corpus: Path, tmp: Path, *, copy: bool, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setattr(runs_module, "PostWriter", functools.partial(writer_module.PostWriter, copy=copy))
    store = open_store(url)
    req = AnalyzeRequest([corpus], media=True, workers=1, batch=97, link=False, quarantine_path=tmp / f"q-{copy}.jsonl")
    done = analyze(store, req, data_dir=tmp / f"data-{copy}")
    assert done.counts.reconciles and done.counts.quarantined >= 1 and done.counts.duplicates == 2
    assert done.changed == 1
    return store


def _rows(store: Store, table: sa.Table) -> list[tuple[Any, ...]]:
    cols = [c for c in table.c if c.name not in UNSTABLE and c.name != "search_doc"]
    with store._engine.connect() as conn:
        rows = conn.execute(sa.select(*cols)).all()
    return sorted(tuple(json.dumps(v, sort_keys=True, default=str) for v in row) for row in rows)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # COPY is PostgreSQL's
def test_copy_stores_the_same_rows_as_insert(
    db_url: str, second_pg: str, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[bool] = []
    real = writer_module.PostWriter._copies

    def copies(self: writer_module.PostWriter, conn: sa.Connection) -> bool:
        used.append(real(self, conn))
        return used[-1]

    monkeypatch.setattr(writer_module.PostWriter, "_copies", copies)
    by_insert = _run(db_url, corpus, tmp_path, copy=False, monkeypatch=monkeypatch)
    assert used and not any(used)
    used.clear()
    by_copy = _run(second_pg, corpus, tmp_path, copy=True, monkeypatch=monkeypatch)
    assert used and all(used)
    try:
        for table in (posts, identifiers, indicator_hits, media_items, quarantine, runs):
            a, b = _rows(by_insert, table), _rows(by_copy, table)
            assert a, f"no {table.name} rows: the corpus does not exercise them"
            assert a == b, f"{table.name} differs between INSERT and COPY"
        # The search column PostgreSQL generates is filled for rows that came by COPY too.
        with by_copy._engine.connect() as conn:
            empty = conn.execute(sa.text("SELECT count(*) FROM posts WHERE search_doc IS NULL")).scalar_one()
        assert empty == 0
        assert by_copy.search.indexed() == N + 1
    finally:
        by_insert.close()
        by_copy.close()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_default_writer_copies_on_postgresql(db_url: str) -> None:
    store = open_store(db_url)
    try:
        run_id = store.runs.start("analyze", ["x"], None)
        sink = store.runs.sink(run_id)
        assert isinstance(sink, writer_module.PostWriter) and sink.copy
        store.runs.finish(run_id, sink.counts, "ok")
    finally:
        store.close()
