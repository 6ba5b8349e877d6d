"""Issue 3 targets: link + cluster 1,000,000 posts in <= 10 min on this machine with peak memory <= 4 GB (and how
time grows over 100k / 300k / 1M); an incremental update of 10k new posts on a 1M corpus in <= 30 s.

    .venv/bin/python benchmarks/bench_link.py --sizes 100000,300000,1000000 --incremental 10000

Inputs: the synthetic generator's posts (tipwatch.synth), turned into the linker's columns with the generator's own
identifier values and their spans in the text (standing in for the extractor, which has its own benchmark). Picture
hashes are simulated without drawing images: each base picture gets a random 256-bit PDQ hash, a re-encoded/resized/
cropped copy flips a few bits, a mirrored copy gets an unrelated hash (as PDQ without dihedral queries sees it).
Generating posts is not timed; turning them into columns (tokenizing, shingling) is. Each size runs in a fresh
process so that peak memory (ru_maxrss) is that size's own. The store round trip is measured by bench_link_store.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from measure import machine

CHUNK = 20_000


def _pdq(image: dict[str, str]) -> str:
    base = hashlib.sha256(image["base"].encode()).digest()
    transform = image.get("transform", "original")
    if transform == "original":
        return base.hex()
    if transform == "flip":
        return hashlib.sha256(image["file"].encode()).hexdigest()
    seed = hashlib.sha256(image["file"].encode()).digest()
    bits = bytearray(base)
    for k in range(4 + seed[0] % 12):
        pos = (seed[1 + k] * 7 + k * 31) % 256
        bits[pos // 8] ^= 1 << (pos % 8)
    return bits.hex()


def synth_inputs(n: int, seed: int, skip: int = 0) -> Iterator[tuple[object, dict[str, object]]]:
    """(PostInput, truth) for posts ``skip .. n-1`` of the generator's corpus (n, seed)."""
    from tipwatch.link.batch import PostInput
    from tipwatch.model import post_text
    from tipwatch.synth import generate

    for i, (post, truth) in enumerate(generate(n, seed)):
        if i < skip:
            continue
        text = post_text(post.get("title") or "", post.get("body") or "")
        ids = []
        for ident in truth["identifiers"]:
            start = text.find(ident["written"])
            if start >= 0:
                ids.append((ident["type"], ident["value"], start, start + len(ident["written"])))
        pdq = [_pdq(img) for img in truth["images"]]
        yield (
            PostInput(post["id"], text, post.get("platform"), post.get("kind") or "other", [], ids, pdq),
            truth,
        )


class Prepared:
    """The corpus as linker batches: the first ``split`` posts, and the rest (the incremental batch).

    Posts are generated first and spooled to disk in chunks (not timed); "prepare" then reads the chunks back and
    tokenizes them as the link stage does (``link.batch.prepare_posts``: worker processes from 50k posts on), so it
    includes reading pickled posts, standing in for reading them from the store.
    """

    def __init__(self, total: int, seed: int, split: int, workers: int) -> None:
        import pickle
        import tempfile

        from tipwatch.link.batch import PARALLEL_MIN_POSTS, concat_batches, prepare_posts
        from tipwatch.link.config import load_config

        cfg = load_config()
        self.truth: dict[str, str | None] = {}
        spool = Path(tempfile.mkdtemp(prefix="bench-link-"))
        files: list[list[Path]] = [[], []]
        chunk: list[object] = []
        side = 0

        def spill() -> None:
            nonlocal chunk
            if chunk:
                path = spool / f"{len(files[0]) + len(files[1]):05d}.pkl"
                path.write_bytes(pickle.dumps(chunk, protocol=5))
                files[side].append(path)
            chunk = []

        t = time.perf_counter()
        for i, (post, true) in enumerate(synth_inputs(total, seed)):
            if i == split:
                spill()
                side = 1
            chunk.append(post)
            self.truth[post.id] = true["network_id"]  # type: ignore[attr-defined,assignment]
            if len(chunk) == CHUNK:
                spill()
        spill()
        self.generate_s = time.perf_counter() - t

        def read(paths: list[Path]) -> Iterator[object]:
            for path in paths:
                yield from pickle.loads(path.read_bytes())
                path.unlink()

        self.prepare_s = [0.0, 0.0]
        self.prepare_cpu_s = [0.0, 0.0]
        self.workers = [1, 1]
        batches = []
        for k, n_side in ((0, split), (1, total - split)):
            self.workers[k] = workers if n_side >= PARALLEL_MIN_POSTS else 1
            t, c = time.perf_counter(), _cpu()
            parts = list(prepare_posts(read(files[k]), cfg.text, workers=self.workers[k], chunk=CHUNK))  # type: ignore[arg-type]
            batches.append(concat_batches(parts) if parts else None)
            self.prepare_s[k] = time.perf_counter() - t
            self.prepare_cpu_s[k] = _cpu() - c
        spool.rmdir()
        self.first, self.rest = batches


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the prepare workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_one(n: int, seed: int, incremental: int, workers: int) -> dict[str, object]:
    """Full build of n posts; then, if asked, an incremental update with ``incremental`` more posts."""
    from tipwatch.link.config import load_config
    from tipwatch.link.engine import memberships, update
    from tipwatch.link.evaluate import evaluate
    from tipwatch.link.state import LinkState, load_state, save_state

    cfg = load_config()
    data = Prepared(n + incremental, seed, n, workers)
    state = LinkState.empty(cfg.fingerprint(), cfg.text.num_perm, cfg.text.shingle_bits)
    t, c = time.perf_counter(), time.process_time()
    delta = update(state, data.first, cfg)  # type: ignore[arg-type]
    t_update, c_update = time.perf_counter() - t, time.process_time() - c
    data.first = None
    out: dict[str, object] = {
        "posts": n,
        "generate_s": round(data.generate_s, 1),
        "prepare_s": round(data.prepare_s[0], 1),
        "prepare_cpu_s": round(data.prepare_cpu_s[0], 1),
        "prepare_workers": data.workers[0],
        "update_s": round(t_update, 1),
        "update_cpu_s": round(c_update, 1),
        "link_cluster_s": round(data.prepare_s[0] + t_update, 1),
        "stages": {k: round(v, 1) for k, v in delta.timings.items()},
        "networks": len(state.net_names),
        "text_pairs": int((state.pair_signal == 0).sum()),
        "peak_rss_mb_full": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    del delta
    if incremental:
        state_dir = Path(__file__).parent / "out" / f"link-state-{n}"
        t = time.perf_counter()
        save_state(state, state_dir)
        out["save_state_s"] = round(time.perf_counter() - t, 1)
        del state
        t = time.perf_counter()
        loaded = load_state(state_dir)
        assert loaded is not None
        t_load = time.perf_counter() - t
        t, c = time.perf_counter(), time.process_time()
        d2 = update(loaded, data.rest, cfg)  # type: ignore[arg-type]
        t_inc, c_inc = time.perf_counter() - t, time.process_time() - c
        t = time.perf_counter()
        save_state(loaded, state_dir)
        t_save = time.perf_counter() - t
        out["incremental"] = {
            "new_posts": incremental,
            "prepare_s": round(data.prepare_s[1], 1),
            "load_state_s": round(t_load, 1),
            "update_s": round(t_inc, 1),
            "update_cpu_s": round(c_inc, 1),
            "save_state_s": round(t_save, 1),
            "total_s": round(data.prepare_s[1] + t_load + t_inc + t_save, 1),
            "reclustered_posts": len(d2.affected),
            "stages": {k: round(v, 1) for k, v in d2.timings.items()},
        }
        state = loaded
    pred = {p: k for k, ps in memberships(state).items() for p in ps}
    m = evaluate(data.truth, pred)
    out["quality"] = {k: m[k] for k in ("precision", "recall", "bcubed_f1", "adjusted_rand_index")}
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,300000,1000000")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--incremental", type=int, default=10_000, help="new posts added to the largest size (0: skip)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--inc", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, default=0, help="prepare processes (0: one per core)")
    args = ap.parse_args()
    if args.one is not None:
        from tipwatch.engines.local import default_workers

        print(json.dumps(run_one(args.one, args.seed, args.inc, args.workers or default_workers())))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {machine()}")
    for n in sizes:
        inc = args.incremental if n == max(sizes) else 0
        cmd = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed), "--inc", str(inc)]
        cmd += ["--workers", str(args.workers)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            print(res.stderr, file=sys.stderr)
            raise SystemExit(f"size {n} failed")
        print(res.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
