"""Issue 12 target: `analyze --engine spark` on Spark local[2] within 1.5x of `--engine local`'s posts/s.

    .venv/bin/python benchmarks/bench_spark.py --sizes 100000

Both runs are the real command on the same generated corpus into fresh SQLite stores, with --no-media and --no-link
(the per-post stages and the store writes: what the engines differ in; linking is the same code after either).
The Spark figure includes starting the JVM and the Python workers, as a user would see it. The load average is
printed because the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from bench_analyze import corpus
from measure import machine, run

OUT = Path(__file__).parent / "out"
BIN = Path(sys.executable).parent / "tipwatch"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000")
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    print(f"machine: {machine()}")
    print("| engine | posts | seconds | posts/s | peak memory (MB, all processes) | load average before |")
    print("|---|---:|---:|---:|---:|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        data = corpus(n, images=False)
        rates: dict[str, float] = {}
        for engine in ("local", "spark"):
            store = OUT / f"bench-spark-{engine}-{n}"
            shutil.rmtree(store, ignore_errors=True)
            store.mkdir(parents=True)
            cmd = [str(BIN), "analyze", str(data), "--db", f"sqlite:///{store / 'db.sqlite'}", "--no-media"]
            cmd += ["--no-link", "--quarantine", str(store / "q.jsonl"), "--engine", engine]
            if engine == "spark":
                cmd += ["--spark-master", args.master]
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            m = run(cmd)
            if m.returncode:
                raise SystemExit(f"{engine} failed")
            rates[engine] = n / m.seconds
            label = engine if engine == "local" else f"spark {args.master}"
            print(f"| {label} | {n:,} | {m.seconds:.1f} | {n / m.seconds:,.0f} | {m.peak_rss_mb:,.0f} | {load} |")
        ratio = rates["local"] / rates["spark"]
        print(f"\n{n:,} posts: local is {ratio:.2f}x spark (target <= 1.5x)", flush=True)


if __name__ == "__main__":
    main()
