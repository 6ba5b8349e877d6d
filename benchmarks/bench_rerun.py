"""`tipwatch analyze` run again over a file the store already holds: nothing new, then the file grown by a tenth.

The local engine's workers look each chunk's post ids up in the store and pass over the posts it holds, so a re-run
costs reading and the look-ups, not the analysis. Prints seconds, posts/s read and peak memory of each run.

    .venv/bin/python benchmarks/bench_rerun.py --n 100000
    .venv/bin/python benchmarks/bench_rerun.py --n 100000 --url postgresql+psycopg://postgres@127.0.0.1:55491/x
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from measure import machine, run

OUT = Path(__file__).parent / "out" / "rerun"
BIN = Path(sys.executable).parent / "tipwatch"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def synth(n: int, seed: int, path: Path) -> None:
    truth = path.with_suffix(".truth.jsonl")
    done = run([str(BIN), "synth", "--n", str(n), "--seed", str(seed), "--out", str(path), "--truth", str(truth)])
    if done.returncode != 0:
        raise SystemExit(f"synth failed ({done.returncode})")


def analyze(path: Path, url: str, what: str, n: int) -> None:
    before = load()
    done = run([str(BIN), "analyze", str(path), "--db", url, "--no-media", "--no-link"], stdout=OUT / f"{what}.out")
    if done.returncode != 0:
        raise SystemExit(f"analyze ({what}) failed ({done.returncode}): see {OUT / (what + '.out')}")
    rate = n / done.seconds
    print(f"| {what} | {n:,} | {done.seconds:.1f} | {rate:,.0f} | {done.peak_rss_mb:.0f} | {before} -> {load()} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--url", help="an empty PostgreSQL database (default: a new SQLite file)")
    args = ap.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    url = args.url or f"sqlite:///{OUT / 'store.db'}"
    corpus, more = OUT / "posts.jsonl", OUT / "more.jsonl"
    synth(args.n, 11, corpus)
    synth(args.n // 10, 12, more)  # other ids (the generator's ids carry the seed)
    print(f"machine: {machine()}; store: {url.split('://')[0]}")
    print("| run | posts read | seconds | posts/s read | peak MB | load (1 min) before -> after |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    analyze(corpus, url, "first run (all new)", args.n)
    analyze(corpus, url, "same file again (nothing new)", args.n)
    with corpus.open("ab") as out:
        out.write(more.read_bytes())
    analyze(corpus, url, f"grown by {args.n // 10:,} posts", args.n + args.n // 10)


if __name__ == "__main__":
    main()
