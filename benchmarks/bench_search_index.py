"""Issue 10: what the full-text index costs the writer, and what a search costs. Analyzes N synthetic posts once (in
this process), then writes the same results through the analyze writer (``store.runs.sink``) into fresh SQLite
stores with and without the search migration, alternating, best of ``--repeat``; then times text and identifier
searches on the indexed store.

    .venv/bin/python benchmarks/bench_search_index.py --n 10000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from measure import machine

from tipwatch.model import PostResult, RawRecord
from tipwatch.pipeline import Analyzer, Settings
from tipwatch.services.search import search
from tipwatch.store.db import alembic_config, open_engine
from tipwatch.store.facade import Store, open_store
from tipwatch.synth import generate


def write(url: str, results: list[PostResult], batch: int) -> float:
    with open_store(url, migrate=False) as store:
        run = store.runs.start("bench", ["bench"], None)
        sink = store.runs.sink(run)
        t = time.perf_counter()
        for i in range(0, len(results), batch):
            sink.write(results[i : i + batch])
        seconds = time.perf_counter() - t
        store.runs.finish(run, sink.counts, "ok")
    return seconds


def fresh(root: Path, name: str, with_search: bool) -> str:
    from alembic import command

    url = f"sqlite:///{root / name}.db"
    engine = open_engine(url, migrate=False)
    heads = ["heads"] if with_search else ["media@head", "link@head"]
    for head in heads:
        command.upgrade(alembic_config(engine), head)
    engine.dispose()
    return url


def timed(store: Store, query: str, by: str, n: int = 50) -> tuple[float, int]:
    t = time.perf_counter()
    for _ in range(n):
        found = search(store, query, by=by)  # type: ignore[arg-type]
    return (time.perf_counter() - t) / n * 1e3, len(found.hits)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    from tipwatch.sources import to_post

    analyzer = Analyzer(Settings())
    posts = []
    for i, (fields, _) in enumerate(generate(args.n, 11)):
        post = to_post(RawRecord("bench.jsonl", f"line {i + 1}", json.dumps(fields), fields))
        posts.append(post)
    results = analyzer.analyze_posts(posts)  # type: ignore[arg-type]
    best = {False: float("inf"), True: float("inf")}
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        root = Path(tmp)
        for k in range(args.repeat):
            for with_search in (False, True):
                url = fresh(root, f"s{k}-{int(with_search)}", with_search)
                best[with_search] = min(best[with_search], write(url, results, args.batch))
        print("| writer (SQLite) | posts | seconds (best) | posts/s |")
        print("|---|---:|---:|---:|")
        for with_search, label in (
            (False, "without the search index"),
            (True, "with the FTS5 index (batched by the writer)"),
        ):
            s = best[with_search]
            print(f"| {label} | {args.n:,} | {s:.2f} | {args.n / s:,.0f} |")
        print(f"index cost: {(best[True] / best[False] - 1) * 100:+.0f}% writer time")
        with open_store(f"sqlite:///{root / 's0-1'}.db") as store:
            print("| search | by | ms per query | hits (page of 20) |")
            print("|---|---|---:|---:|")
            phone = next(i.value for r in results for i in r.identifiers if i.type == "phone")
            for query, by in (("girls", "text"), ("salary visa", "text"), ("sal*", "text"), (phone, "identifier")):
                ms, hits = timed(store, query, by)
                print(f"| {query} | {by} | {ms:.2f} | {hits} |")


if __name__ == "__main__":
    main()
