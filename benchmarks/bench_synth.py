"""Issue 2 item 10 target: the synthetic corpus generator makes >= 20,000 posts/s on one core without images, in
memory that does not grow with n (benchmarks need 1,000,000 posts).

    .venv/bin/python benchmarks/bench_synth.py --sizes 100000,1000000 --images 2000

Rows: the library alone (`generate()`, in this process, one core), the `tipwatch synth` command writing both JSONL
files (its own process; peak RSS of that process), and the command with `--images`. Rates are given per wall second
and per CPU second: on a shared machine the second is what one core delivers.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from pathlib import Path

from measure import machine, run

OUT = Path(__file__).parent / "out"
BIN = Path(sys.executable).parent / "tipwatch"


def library(n: int, seed: int) -> tuple[float, float]:
    """Wall and CPU seconds of generate() alone (CPU time is what one core delivers on a busy machine)."""
    from tipwatch.synth import generate
    from tipwatch.synth.knowledge import knowledge

    knowledge()  # data files are loaded once per process; not part of the per-post rate
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in generate(n, seed):
        pass
    return time.perf_counter() - wall, time.process_time() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command(n: int, seed: int, images: bool) -> tuple[float, float, float, int]:
    OUT.mkdir(parents=True, exist_ok=True)
    folder = OUT / f"synth-bench-images-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    cmd = [str(BIN), "synth", "--n", str(n), "--seed", str(seed)]
    cmd += ["--out", str(OUT / f"synth-bench-{n}.jsonl"), "--truth", str(OUT / f"synth-bench-truth-{n}.jsonl")]
    if images:
        cmd += ["--images", str(folder)]
    cpu = _children_cpu()
    done = run(cmd)
    if done.returncode != 0:
        raise SystemExit(f"tipwatch synth failed for n={n}")
    files = sum(1 for _ in folder.iterdir()) if images else 0
    return done.seconds, _children_cpu() - cpu, done.peak_rss_mb, files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--images", type=int, default=2000, help="posts for the --images row (0 to skip)")
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"machine: {machine()}")
    print("| what | posts | wall s | CPU s | posts/s (wall) | posts/s (per CPU second) | peak RSS (MB) | images |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        wall, cpu = library(n, args.seed)
        print(f"| generate() | {n:,} | {wall:.1f} | {cpu:.1f} | {n / wall:,.0f} | {n / cpu:,.0f} | - | - |", flush=True)
    for n in sizes:
        wall, cpu, rss, _ = command(n, args.seed, images=False)
        print(
            f"| tipwatch synth | {n:,} | {wall:.1f} | {cpu:.1f} | {n / wall:,.0f} | {n / cpu:,.0f} | {rss:.0f} | - |",
            flush=True,
        )
    if args.images:
        n = args.images
        wall, cpu, rss, files = command(n, args.seed, images=True)
        print(
            f"| tipwatch synth --images | {n:,} | {wall:.1f} | {cpu:.1f} | {n / wall:,.0f} | {n / cpu:,.0f} | "
            f"{rss:.0f} | {files:,} ({files / cpu:,.0f}/CPU s) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
