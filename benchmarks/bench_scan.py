"""Issue 10 target: the scan service fast enough for >= 1,000 text-only scans/s over HTTP on 2 cores, i.e. well
under 1 ms per scan in process. Measures ``Scanner.scan`` (text only, store=False) in one process on synthetic
posts (tipwatch.synth), against a SQLite store that already holds an analyzed and linked corpus (so the network
look-up runs against real tables).

    .venv/bin/python benchmarks/bench_scan.py --scans 5000 --corpus 5000
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from measure import machine

from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.services.scan import Scanner, ScanRequest
from tipwatch.store.facade import open_store
from tipwatch.synth import generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scans", type=int, default=5000, help="posts to scan (synthetic, seed 21)")
    ap.add_argument("--corpus", type=int, default=5000, help="posts analyzed and linked into the store first")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes over the posts (best reported)")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as fh:
            for post, _ in generate(args.corpus, 11):
                fh.write(json.dumps(post, ensure_ascii=False) + "\n")
        with open_store(f"sqlite:///{root / 'store.db'}") as store:
            req = AnalyzeRequest([corpus], media=False, quarantine_path=root / "q.jsonl")
            done = analyze(store, req, data_dir=root, link_state_dir=root / "state")
            print(f"store: {done.counts.stored:,} posts, {store.links.count_networks():,} networks")
            posts = [p for p, _ in generate(args.scans, 21)]
            requests = [
                ScanRequest(
                    title=p.get("title") or "",
                    body=p.get("body") or "",
                    platform=p.get("platform"),
                    url=p.get("url"),
                    posted_at=p.get("posted_at"),
                    location=p.get("location"),
                    kind=p.get("kind"),
                )
                for p in posts
            ]
            t0 = time.perf_counter()
            scanner = Scanner.open(store)
            print(f"Scanner.open: {time.perf_counter() - t0:.2f} s")
            for r in requests[:200]:  # warm-up
                scanner.scan(r)
            best = float("inf")
            best_cpu = float("inf")
            per: list[float] = []
            networked = 0
            for _ in range(args.repeat):
                per = []
                networked = 0
                start = time.perf_counter()
                cpu = time.process_time()
                for r in requests:
                    t = time.perf_counter()
                    out = scanner.scan(r)
                    per.append(time.perf_counter() - t)
                    networked += bool(out.networks)
                best = min(best, time.perf_counter() - start)
                best_cpu = min(best_cpu, time.process_time() - cpu)
            per.sort()
            chars = statistics.mean(len(r.title) + len(r.body) for r in requests)
            print(f"posts: {len(requests):,} (mean {chars:.0f} characters), {networked:,} in a known network")
            # CPU time too: on a shared machine the wall clock counts other processes' turns on the cores.
            print("| scans | seconds | scans/s | median ms | p99 ms | CPU ms per scan | scans per CPU-second |")
            print("|---:|---:|---:|---:|---:|---:|---:|")
            p99 = per[int(len(per) * 0.99)]
            print(
                f"| {len(requests):,} | {best:.2f} | {len(requests) / best:,.0f} | "
                f"{statistics.median(per) * 1e3:.3f} | {p99 * 1e3:.3f} | {best_cpu / len(requests) * 1e3:.3f} | "
                f"{len(requests) / best_cpu:,.0f} |"
            )


if __name__ == "__main__":
    main()
