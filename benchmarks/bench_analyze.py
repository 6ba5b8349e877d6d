"""Issue 2 targets: `tipwatch analyze` >= 2,000 posts/s with the SQLite store, memory < 1 GB and flat in corpus size;
`tipwatch score` >= 5,000 posts/s.

    .venv/bin/python benchmarks/bench_analyze.py --sizes 10000,100000            # text stages (--no-media)
    .venv/bin/python benchmarks/bench_analyze.py --sizes 10000 --images          # with synthetic JPEGs hashed
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from measure import machine, run

OUT = Path(__file__).parent / "out"
BIN = Path(sys.executable).parent / "tipwatch"


def corpus(n: int, images: bool) -> Path:
    tag = f"{n}-img" if images else str(n)
    path = OUT / f"synth-{tag}.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        cmd = [str(BIN), "synth", "--n", str(n), "--seed", "11", "--out", str(path)]
        cmd += ["--truth", str(OUT / f"truth-{tag}.jsonl")]
        if images:
            cmd += ["--images", str(OUT / f"images-{n}")]
        done = run(cmd)
        if done.returncode != 0:
            raise SystemExit(f"synth failed for n={n}")
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--workers", default="0")
    ap.add_argument("--images", action="store_true", help="generate JPEGs and hash them during analyze")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print("| command | posts | seconds | posts/s | peak memory (MB, all processes) |")
    print("|---|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        data = corpus(n, args.images)
        store = OUT / f"bench-{n}"
        shutil.rmtree(store, ignore_errors=True)
        store.mkdir(parents=True)
        cmd = [str(BIN), "analyze", str(data), "--db", f"sqlite:///{store / 'db.sqlite'}", "--workers", args.workers]
        cmd += ["--quarantine", str(store / "q.jsonl")]
        cmd += ["--images", str(OUT / f"images-{n}")] if args.images else ["--no-media"]
        m = run(cmd)
        label = "analyze (SQLite, images hashed)" if args.images else "analyze (SQLite, --no-media)"
        print(f"| {label} | {n:,} | {m.seconds:.1f} | {n / m.seconds:,.0f} | {m.peak_rss_mb:,.0f} |", flush=True)
        s = run([str(BIN), "score", "--workers", args.workers], stdin=data, stdout=store / "scores.jsonl")
        print(f"| score | {n:,} | {s.seconds:.1f} | {n / s.seconds:,.0f} | {s.peak_rss_mb:,.0f} |", flush=True)
        if m.returncode or s.returncode:
            raise SystemExit("a command failed")


if __name__ == "__main__":
    main()
