"""The link stage through the store: `tipwatch networks` on a SQLite store filled by `tipwatch analyze`.

    .venv/bin/python benchmarks/bench_link_store.py --sizes 100000 --incremental 10000

For each size: generate N + incremental synthetic posts, analyze the first N into a fresh store (not timed here:
bench_analyze.py measures it), time `tipwatch networks` (full build: read posts and identifiers, link, cluster,
write links, hubs, networks with profiles and templates, save the link state), then analyze the remaining posts and
time `tipwatch networks` again (incremental). Wall time and peak memory of the process, as bench_link.py reports
them for the in-memory core.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from measure import machine, run

OUT = Path(__file__).parent / "out"
BIN = Path(sys.executable).parent / "tipwatch"


def _split(src: Path, first: Path, rest: Path, n: int) -> None:
    with open(src, "rb") as fh, open(first, "wb") as a, open(rest, "wb") as b:
        for i, line in enumerate(fh):
            (a if i < n else b).write(line)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000")
    ap.add_argument("--incremental", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print("| posts | step | seconds | peak memory (MB) |")
    print("|---:|---|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        work = OUT / f"link-store-{n}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        total = n + args.incremental
        corpus, truth = work / "all.jsonl", work / "truth.jsonl"
        synth = [str(BIN), "synth", "--n", str(total), "--seed", str(args.seed), "--out", str(corpus)]
        if run([*synth, "--truth", str(truth)]).returncode != 0:
            raise SystemExit("synth failed")
        _split(corpus, work / "first.jsonl", work / "rest.jsonl", n)
        db = f"sqlite:///{work / 'store.db'}"
        for step, part in (("full build", "first.jsonl"), ("incremental", "rest.jsonl")):
            # --no-link: analyze links by default; here the linking is what `tipwatch networks` times.
            if run([str(BIN), "analyze", str(work / part), "--db", db, "--no-link"]).returncode != 0:
                raise SystemExit("analyze failed")
            done = run([str(BIN), "networks", "--db", db, "--out", str(work / "networks.jsonl")])
            if done.returncode != 0:
                raise SystemExit(f"networks failed ({step})")
            label = step if step == "full build" else f"incremental (+{args.incremental})"
            print(f"| {n:,} | {label} | {done.seconds:.1f} | {done.peak_rss_mb:.0f} |", flush=True)
        ev = run(
            [str(BIN), "evaluate-networks", "--db", db, "--truth", str(truth), "--no-update"],
            stdout=work / "quality.json",
        )
        if ev.returncode == 0:
            print(f"quality ({n:,} + {args.incremental:,}): {(work / 'quality.json').read_text().strip()}")


if __name__ == "__main__":
    main()
