"""Issue 2 item 10 target: the synthetic corpus generator makes >= 20,000 posts/s on one core without images, in
memory that does not grow with n (benchmarks need 1,000,000 posts).

    .venv/bin/python benchmarks/bench_synth.py --sizes 100000,1000000 --images 2000

Rows: the library alone (`generate()`, in this process, one core), the `tipwatch synth` command writing both JSONL
files (its own process; peak RSS of that process), and the command with `--images`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from measure import machine, run

OUT = Path(__file__).parent / "out"
BIN = Path(sys.executable).parent / "tipwatch"


def library_rate(n: int, seed: int) -> float:
    from tipwatch.synth import generate
    from tipwatch.synth.knowledge import knowledge

    knowledge()  # data files are loaded once per process; not part of the per-post rate
    start = time.perf_counter()
    count = 0
    for _ in generate(n, seed):
        count += 1
    return count / (time.perf_counter() - start)


def command(n: int, seed: int, images: bool) -> tuple[float, float, float]:
    OUT.mkdir(parents=True, exist_ok=True)
    folder = OUT / f"synth-bench-images-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    cmd = [str(BIN), "synth", "--n", str(n), "--seed", str(seed)]
    cmd += ["--out", str(OUT / f"synth-bench-{n}.jsonl"), "--truth", str(OUT / f"synth-bench-truth-{n}.jsonl")]
    if images:
        cmd += ["--images", str(folder)]
    done = run(cmd)
    if done.returncode != 0:
        raise SystemExit(f"tipwatch synth failed for n={n}")
    files = sum(1 for _ in folder.iterdir()) if images else 0
    return done.seconds, done.peak_rss_mb, files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--images", type=int, default=2000, help="posts for the --images row (0 to skip)")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"machine: {machine()}")
    print("| what | posts | seconds | posts/s | peak RSS (MB) | images written |")
    print("|---|---:|---:|---:|---:|---:|")
    for n in sizes:
        rate = library_rate(n, args.seed)
        print(f"| generate() (library, 1 core) | {n:,} | {n / rate:.1f} | {rate:,.0f} | - | - |", flush=True)
    for n in sizes:
        seconds, rss, _ = command(n, args.seed, images=False)
        print(f"| tipwatch synth | {n:,} | {seconds:.1f} | {n / seconds:,.0f} | {rss:.0f} | - |", flush=True)
    if args.images:
        n = args.images
        seconds, rss, files = command(n, args.seed, images=True)
        print(
            f"| tipwatch synth --images | {n:,} | {seconds:.1f} | {n / seconds:,.0f} | {rss:.0f} | "
            f"{files:,} ({files / seconds:,.0f}/s) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
