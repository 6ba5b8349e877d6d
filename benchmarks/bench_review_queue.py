"""Issue 10: the review queue's "next" when the riskiest posts are already decided. Stores ``--n`` posts (distinct
risks) in a fresh SQLite store through the real writer, decides the ``--decided`` riskiest through the review store
(as ``services.review.decide`` does, without the labels), then times ``services.review.next_for`` for fresh
reviewers (each claims the next free post, so the queue walks past every decided post and every live lease), with and
without a platform filter, and prints SQLite's plan of the claim.

    .venv/bin/python benchmarks/bench_review_queue.py --n 100000 --decided 50000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from measure import machine

from tipwatch.model import Assessment, Post, PostResult
from tipwatch.services import review
from tipwatch.services.review import QueueFilters
from tipwatch.store.facade import Store, open_store

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def fill(store: Store, n: int, batch: int = 5000) -> list[str]:
    """``n`` posts with distinct risks (listed in an order unrelated to them); returns ids, riskiest first."""
    run = store.runs.start("bench", ["bench"], None)
    sink = store.runs.sink(run)
    risks = {f"p{i:07d}": ((i * 7919) % n) / n for i in range(n)}
    ids = list(risks)
    for start in range(0, n, batch):
        sink.write(
            [
                PostResult(
                    Post(id=pid, source="s", position=pid, title="t", body="b", platform=f"site{k % 2}"),
                    [],
                    [],
                    Assessment(risks[pid]),
                )
                for k, pid in enumerate(ids[start : start + batch], start=start)
            ]
        )
    store.runs.finish(run, sink.counts, "ok")
    return sorted(ids, key=lambda p: (risks[p], p), reverse=True)


def timed_next(store: Store, reviewers: int, filters: QueueFilters | None, tag: str) -> list[float]:
    times = []
    for r in range(reviewers):
        t = time.perf_counter()
        item = review.next_for(store, f"{tag}{r}", filters=filters, now=T0 + timedelta(seconds=1))
        times.append((time.perf_counter() - t) * 1e3)
        assert item is not None
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--decided", type=int, default=50_000)
    ap.add_argument("--reviewers", type=int, default=30)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'store.db'}"
        with open_store(url) as store:
            t = time.perf_counter()
            ranked = fill(store, args.n)
            print(f"stored {args.n:,} posts in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            for pid in ranked[: args.decided]:
                store.review.record_decision(pid, "bench", "dismiss", "bench", 0, at=T0)
            print(f"decided the {args.decided:,} riskiest in {time.perf_counter() - t:.1f} s")
            print("| next_for (SQLite) | calls | p50 ms | max ms |")
            print("|---|---:|---:|---:|")
            for label, filters, tag in (
                ("no filter", None, "a"),
                ("platform filter", QueueFilters(platform="site1"), "b"),
            ):
                times = timed_next(store, args.reviewers, filters, tag)
                print(f"| {label} | {len(times)} | {statistics.median(times):.1f} | {max(times):.1f} |")
            claim = store.review.candidates(QueueFilters(), T0).limit(1)  # type: ignore[attr-defined]
            engine = store.review._engine  # type: ignore[attr-defined]
            with engine.connect() as conn:
                # The claim's read alone (no write, no fsync): what walking past the decided posts costs.
                reads = []
                for _ in range(50):
                    t = time.perf_counter()
                    conn.execute(claim).first()
                    reads.append((time.perf_counter() - t) * 1e3)
                print(
                    f"| the claim's SELECT alone | {len(reads)} | {statistics.median(reads):.2f} | {max(reads):.2f} |"
                )
                sql = claim.compile(engine, compile_kwargs={"literal_binds": True})
                plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            print("plan: " + "; ".join(str(row[-1]) for row in plan))


if __name__ == "__main__":
    main()
