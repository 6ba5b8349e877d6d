"""Issue 12 part 4: build an N-post PostgreSQL store and measure it; and the analyze writer's COPY path against its
INSERT path.

Two modes.

``--writer N`` (the bulk-load path alone): N synthetic posts are analyzed once in memory (extract, indicators,
score), then written ``--repeat`` times by each path of ``tipwatch.store.writer.PostWriter`` (``copy=False``: the
multi-row INSERTs SQLite uses; ``copy=True``: PostgreSQL's COPY) into a fresh database each time, in batches of
``--batch`` posts, the two paths taking turns. Prints posts/s and rows/s (posts + identifiers + indicator hits)
stored, and the load average beside each figure.

Default (the whole build): ``tipwatch synth --n N`` -> ``tipwatch analyze --no-media`` (the COPY path, then the link
stage) into a fresh database ``--db-name`` on the server of ``--url``; prints the time of each step, posts/s and
rows/s, the database's size on disk (and per table), then runs ``bench_workspace.py --reuse`` on it for the p95 of
the workspace calls (review next and decision, post view, network view, identifier and full-text search).

    .venv/bin/python benchmarks/bench_pg_load.py --url postgresql+psycopg://postgres@127.0.0.1:55474/postgres \\
        --writer 20000 --repeat 3
    .venv/bin/python benchmarks/bench_pg_load.py --url postgresql+psycopg://postgres@127.0.0.1:55474/postgres \\
        --n 1000000 --db-name tipwatch_1m --work benchmarks/out/pg-load-1m

At 10M: the same command with ``--n 10000000`` (about 10x the 1M figures: see docs/benchmarks.md for the measured
rate and docs/scale.md for the server settings a load of that size wants). ``--url`` names the server (any database
on it, used to create and drop ``--db-name``); the database ``--db-name`` is dropped first when it exists.
A 10M build can be split: ``--link-engine none`` analyzes and stores, then ``--skip-analyze --link-engine spark``
links the stored posts on Spark (the local link of 10M posts wants more memory than a small machine has) and
measures the workspace.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from measure import machine
from sqlalchemy import create_engine, text

from tipwatch.model import PostResult, Quarantined, RawRecord
from tipwatch.pipeline import Analyzer, Settings
from tipwatch.store.db import open_engine
from tipwatch.store.writer import PostWriter, finish_run, start_run
from tipwatch.synth.generator import generate

HERE = Path(__file__).resolve().parent


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def server_url(url: str, database: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{database}"


def recreate(url: str, name: str) -> str:
    """A fresh, empty database ``name`` on the server of ``url``; its URL."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url(url, name)


def drop(url: str, name: str) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def analyzed(n: int, seed: int, batch: int) -> list[list[PostResult | Quarantined]]:
    """N synthetic posts analyzed in memory, in writer-sized batches."""
    analyzer = Analyzer(Settings())
    out: list[list[PostResult | Quarantined]] = []
    raws: list[RawRecord] = []
    for i, (post, _truth) in enumerate(generate(n, seed)):
        line = json.dumps(post)
        raws.append(RawRecord(source="synth.jsonl", position=f"line {i + 1}", raw=line, fields=post))
        if len(raws) == batch:
            out.append(analyzer.process(raws))
            raws = []
    if raws:
        out.append(analyzer.process(raws))
    return out


def rows_of(batches: list[list[PostResult | Quarantined]]) -> tuple[int, int]:
    results = [r for b in batches for r in b if isinstance(r, PostResult)]
    return len(results), sum(1 + len(r.identifiers) + len(r.hits) for r in results)


def write_once(url: str, name: str, batches: list[list[PostResult | Quarantined]], *, copy: bool) -> float:
    engine = open_engine(recreate(url, name))
    try:
        run_id = start_run(engine, "bench", ["synth"], None)
        writer = PostWriter(engine, run_id, copy=copy)
        start = time.perf_counter()
        for batch in batches:
            writer.write(batch)
        took = time.perf_counter() - start
        finish_run(engine, run_id, writer.counts, "ok")
        assert writer.counts.reconciles
        return took
    finally:
        engine.dispose()
        drop(url, name)


def writer_mode(args: argparse.Namespace) -> None:
    print(f"analyzing {args.writer:,} synthetic posts in memory (load {load()}) ...", flush=True)
    start = time.perf_counter()
    batches = analyzed(args.writer, args.seed, args.batch)
    n_posts, n_rows = rows_of(batches)
    print(f"  {time.perf_counter() - start:,.0f} s; {n_posts:,} posts, {n_rows:,} rows to write", flush=True)
    took: dict[str, list[float]] = {"insert": [], "copy": []}
    for i in range(args.repeat):
        for path in ("insert", "copy") if i % 2 == 0 else ("copy", "insert"):
            before = load()
            seconds = write_once(args.url, args.db_name, batches, copy=path == "copy")
            took[path].append(seconds)
            print(
                f"  {path:6} {seconds:6.2f} s: {n_posts / seconds:8,.0f} posts/s, {n_rows / seconds:9,.0f} rows/s "
                f"(load {before} -> {load()})",
                flush=True,
            )
    print()
    print("| path | runs | best s | posts/s (best) | rows/s (best) | median s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for path, xs in took.items():
        best, median = min(xs), sorted(xs)[len(xs) // 2]
        print(f"| {path} | {len(xs)} | {best:.2f} | {n_posts / best:,.0f} | {n_rows / best:,.0f} | {median:.2f} |")
    print(f"\nCOPY / INSERT (best): {min(took['insert']) / min(took['copy']):.2f}x")


def sizes(url: str) -> Iterator[tuple[str, int]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        yield "database", int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
        rows = conn.execute(
            text(
                "SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 8"
            )
        ).all()
    engine.dispose()
    for name, size in rows:
        yield str(name), int(size)


def run_logged(cmd: list[str], env: dict[str, str], *, quiet: bool = False) -> float:
    print(f"$ {shlex.join(cmd)}   (load {load()})", flush=True)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL if quiet else None)
    took = time.perf_counter() - start
    print(f"  {took:,.1f} s (load {load()})", flush=True)
    return took


def build_mode(args: argparse.Namespace) -> None:
    args.work.mkdir(parents=True, exist_ok=True)
    tipwatch = str(Path(sys.executable).parent / "tipwatch")
    env = {**os.environ, "TIPWATCH_DATA_DIR": str(args.work / "data")}
    corpus = args.work / f"posts-{args.n}.jsonl"
    if not corpus.exists():
        synth = [tipwatch, "synth", "--n", str(args.n), "--seed", str(args.seed), "--out", str(corpus)]
        run_logged([*synth, "--truth", str(args.work / f"truth-{args.n}.jsonl")], env)
    if args.skip_analyze:  # a store built earlier (a 10M build is hours: analyze one sitting, link the next)
        url, analyze_s = server_url(args.url, args.db_name), float("nan")
    else:
        url = recreate(args.url, args.db_name)
        analyze_cmd = [tipwatch, "analyze", str(corpus), "--db", url, "--no-media", "--no-link"]
        analyze_s = run_logged(analyze_cmd, env)
    link_s = float("nan")
    if args.link_engine != "none":
        networks = [tipwatch, "networks", "--db", url, "--out", str(args.work / f"networks-{args.n}.jsonl")]
        link_s = run_logged([*networks, "--engine", args.link_engine], env, quiet=True)
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
            for t in ("posts", "identifiers", "indicator_hits", "links", "networks")
        }
    engine.dispose()
    stored_rows = counts["posts"] + counts["identifiers"] + counts["indicator_hits"]
    print(f"rows: {counts}")
    done = (
        "analyze: skipped (--skip-analyze)"
        if args.skip_analyze
        else f"analyze (read, extract, score, store by COPY): {analyze_s:,.1f} s, "
        f"{counts['posts'] / analyze_s:,.0f} posts/s, {stored_rows / analyze_s:,.0f} rows/s"
    )
    print(f"{done}; link ({args.link_engine}): {link_s:,.1f} s")
    for name, size in sizes(url):
        print(f"  size {name}: {size / 2**20:,.0f} MiB")
    if args.workspace:
        bench = [sys.executable, str(HERE / "bench_workspace.py"), "--url", url, "--reuse", "--work", str(args.work)]
        run_logged([*bench, "--requests", str(args.requests)], env)
    if args.drop:
        drop(args.url, args.db_name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="a PostgreSQL server (any database on it: creates --db-name)")
    ap.add_argument("--db-name", default="tipwatch_load", help="the database built (dropped first if it exists)")
    ap.add_argument("--n", type=int, default=1_000_000, help="posts in the built store")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--work", type=Path, default=Path("benchmarks/out/pg-load"), help="corpus, data dir")
    ap.add_argument("--writer", type=int, default=0, help="compare the writer's COPY and INSERT paths on N posts")
    ap.add_argument("--repeat", type=int, default=3, help="--writer: runs per path")
    ap.add_argument("--batch", type=int, default=500, help="--writer: posts per write (analyze's default)")
    ap.add_argument("--no-workspace", dest="workspace", action="store_false", help="skip the workspace p95")
    ap.add_argument("--requests", type=int, default=200, help="timed requests per workspace call")
    ap.add_argument("--drop", action="store_true", help="drop the built database at the end")
    ap.add_argument(
        "--link-engine", choices=["local", "spark", "none"], default="local", help="the link stage's engine, or none"
    )
    ap.add_argument("--skip-analyze", action="store_true", help="link and measure the existing --db-name as it is")
    args = ap.parse_args()
    if not args.url.startswith("postgresql"):
        sys.exit("--url must name a PostgreSQL server")
    print(f"machine: {machine()}")
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(f"load average at start (1, 5, 15 min): {load()}")
    if args.writer:
        writer_mode(args)
    else:
        build_mode(args)
    print(f"load average at end (1, 5, 15 min): {load()}")


if __name__ == "__main__":
    main()
