"""Issue 2 targets: `tipwatch analyze` >= 2,000 posts/s with the SQLite store, memory < 1 GB and flat in corpus size;
`tipwatch score` >= 5,000 posts/s.

    .venv/bin/python benchmarks/bench_analyze.py --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from measure import machine, run

OUT = Path(__file__).parent / "out"
BIN = Path(sys.executable).parent / "tipwatch"


def corpus(n: int) -> Path:
    path = OUT / f"synth-{n}.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        done = run(
            [
                str(BIN),
                "synth",
                "--n",
                str(n),
                "--seed",
                "11",
                "--out",
                str(path),
                "--truth",
                str(OUT / f"truth-{n}.jsonl"),
            ]
        )
        if done.returncode != 0:
            raise SystemExit(f"synth failed for n={n}")
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--workers", default="0")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print("| command | posts | seconds | posts/s | peak memory (MB, all processes) |")
    print("|---|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        data = corpus(n)
        store = OUT / f"bench-{n}"
        shutil.rmtree(store, ignore_errors=True)
        store.mkdir(parents=True)
        m = run(
            [
                str(BIN),
                "analyze",
                str(data),
                "--db",
                f"sqlite:///{store / 'db.sqlite'}",
                "--workers",
                args.workers,
                "--quarantine",
                str(store / "q.jsonl"),
            ]
        )
        print(
            f"| analyze (SQLite) | {n:,} | {m.seconds:.1f} | {n / m.seconds:,.0f} | {m.peak_rss_mb:,.0f} |", flush=True
        )
        s = run([str(BIN), "score", "--workers", args.workers], stdin=data, stdout=store / "scores.jsonl")
        print(f"| score | {n:,} | {s.seconds:.1f} | {n / s.seconds:,.0f} | {s.peak_rss_mb:,.0f} |", flush=True)
        if m.returncode or s.returncode:
            raise SystemExit("a command failed")


if __name__ == "__main__":
    main()
