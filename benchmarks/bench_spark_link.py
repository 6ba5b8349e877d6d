"""Issue 12 part 2: linking on Spark local[2] against the local engine, and how the Spark part grows to 10M posts.

    .venv/bin/python benchmarks/bench_spark_link.py --sizes 100000,1000000
    .venv/bin/python benchmarks/bench_spark_link.py --simulate 1000000,10000000 --deadline 2400

``--sizes``: the generator's corpus (bench_link.synth_inputs: generator identifiers and simulated picture hashes),
spooled to disk first (not timed), then linked twice in fresh processes: the local engine (``prepare_posts`` on worker
processes + ``engine.update``) and the Spark engine (``link.spark.prepare_on_spark`` + ``engine.update`` with
``SparkKernels``), which is what ``tipwatch networks --engine spark`` runs minus the store. Both print a hash of the
networks: equal hashes are the same networks.

``--simulate``: the compact columns generated directly (no text): template shingle sets (groups of 4-15 posts share
a template, each post drops ~10% of its shingles and adds 3 of its own), then the Spark kernels alone: MinHash
signatures on Spark, band keys on the driver, the LSH candidate search with the Jaccard check on Spark. That is the
part of linking that grows with posts and pairs; the driver-side evidence and clustering are measured by
bench_link.py. ``--deadline`` stops a size that runs longer and reports how far it got.

Memory: the peak resident set of the whole process tree (this Python, Spark's JVM and its Python workers), sampled
every 0.5 s with psutil. The load average is printed because the machine is shared.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from measure import machine

CHUNK = 20_000


class TreeMemory:
    """Peak memory, sampled on a thread: the summed RSS of this process and its descendants, and the machine's used
    memory (total - available).

    The RSS sum counts a page shared by several processes once per process: Spark's Python workers memory-map the
    LSH table (link.spark), so at 10M posts the sum overstates. The machine's used memory counts each page once but
    includes anything else running (the load average says whether something was).
    """

    def __init__(self) -> None:
        import psutil

        self._proc = psutil.Process()
        self.peak = 0
        self.peak_used = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.wait(0.5):
            total = 0
            for p in [self._proc, *self._proc.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a worker that just ended
                    total += p.memory_info().rss
            self.peak = max(self.peak, total)
            vm = psutil.virtual_memory()
            self.peak_used = max(self.peak_used, vm.total - vm.available)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return round(self.peak / 2**20)


def _session(master: str) -> Any:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return (
        SparkSession.builder.master(master)
        .appName("bench-spark-link")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        # Local mode: the driver JVM is the executor. Results (prepared chunks, accepted pairs) come back to it.
        .config("spark.driver.memory", os.environ.get("BENCH_DRIVER_MEMORY", "4g"))
        .config("spark.driver.maxResultSize", "0")
        .config("spark.sql.shuffle.partitions", "16")
        .getOrCreate()
    )


def _spool(n: int, seed: int) -> tuple[list[Path], float]:
    from bench_link import synth_inputs

    spool = Path(tempfile.mkdtemp(prefix="bench-spark-link-"))
    files: list[Path] = []
    chunk: list[object] = []
    t = time.perf_counter()
    for post, _truth in synth_inputs(n, seed):
        chunk.append(post)
        if len(chunk) == CHUNK:
            files.append(spool / f"{len(files):05d}.pkl")
            files[-1].write_bytes(pickle.dumps(chunk, protocol=5))
            chunk = []
    if chunk:
        files.append(spool / f"{len(files):05d}.pkl")
        files[-1].write_bytes(pickle.dumps(chunk, protocol=5))
    return files, time.perf_counter() - t


def _read(files: list[Path]) -> Iterator[Any]:
    for path in files:
        yield from pickle.loads(path.read_bytes())


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def run_corpus(n: int, seed: int, engine: str, master: str, spool: list[Path]) -> dict[str, object]:
    """One full link of the spooled corpus with ``engine``; times, counts, a hash of the networks, peak memory."""
    from tipwatch.engines.local import default_workers
    from tipwatch.link.batch import PARALLEL_MIN_POSTS, concat_batches, prepare_posts
    from tipwatch.link.config import load_config
    from tipwatch.link.engine import memberships, update
    from tipwatch.link.state import LinkState

    cfg = load_config()
    mem = TreeMemory()
    load_before = _load()
    t0 = time.perf_counter()
    kernels = None
    if engine == "spark":
        from tipwatch.link.spark import SparkKernels, prepare_on_spark

        spark = _session(master)
        t_session = time.perf_counter() - t0
        parts = list(prepare_on_spark(spark.sparkContext, _read(spool), cfg.text))
        kernels = SparkKernels(spark, default_workers())
    else:
        t_session = 0.0
        workers = default_workers() if n >= PARALLEL_MIN_POSTS else 1
        parts = list(prepare_posts(_read(spool), cfg.text, workers=workers, chunk=CHUNK))
    batch = concat_batches(parts)
    del parts
    t_prepare = time.perf_counter() - t0 - t_session
    state = LinkState.empty(cfg.fingerprint(), cfg.text.num_perm, cfg.text.shingle_bits)
    delta = update(state, batch, cfg, kernels=kernels)
    t_total = time.perf_counter() - t0
    nets = memberships(state)
    digest = hashlib.sha256(json.dumps(sorted(sorted(v) for v in nets.values())).encode()).hexdigest()[:16]
    return {
        "engine": engine,
        "posts": n,
        "session_s": round(t_session, 1),
        "prepare_s": round(t_prepare, 1),
        "update_s": round(t_total - t_session - t_prepare, 1),
        "stages": {k: round(v, 1) for k, v in delta.timings.items()},
        "total_s": round(t_total, 1),
        "posts_per_s": round(n / t_total),
        "networks": len(nets),
        "text_pairs": int((state.pair_signal == 0).sum()),
        "networks_sha256": digest,
        "peak_tree_rss_mb": mem.stop(),
        "load_before": load_before,
        "load_after": _load(),
    }


def simulated_columns(n: int, seed: int) -> tuple[Any, Any, Any]:
    """Template shingle sets for ``n`` posts as CSR (indptr, ids), generated in chunks, and each post's template."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ptrs, idss, tmpls = [np.zeros(1, np.int64)], [], []
    done, offset, t_off = 0, 0, 0
    while done < n:
        m = min(1_000_000, n - done)
        sizes = rng.integers(4, 16, size=m // 4 + 2)
        tmpl = np.repeat(np.arange(len(sizes)), sizes)[:m]
        base = rng.integers(0, 1 << 25, size=(len(sizes), 24), dtype=np.int64)
        own = rng.integers(0, 1 << 25, size=(m, 3), dtype=np.int64)
        keep = rng.random((m, 24)) >= 0.1
        rows = np.concatenate([np.where(keep, base[tmpl], -1), own], axis=1)
        flat = rows[rows >= 0]
        counts = (rows >= 0).sum(axis=1)
        ptrs.append(np.cumsum(counts) + offset)
        idss.append(flat.astype(np.uint32))
        tmpls.append(tmpl + t_off)
        offset += int(counts.sum())
        t_off += len(sizes)
        done += m
    return np.concatenate(ptrs), np.concatenate(idss), np.concatenate(tmpls)


def _mix(x: Any, salt: int) -> Any:
    """A 64-bit key per integer (splitmix64 finaliser): stable entity keys for simulated values."""
    import numpy as np

    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64(salt) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def simulated_batch(n: int, seed: int) -> Any:
    """A whole link Batch for ``n`` simulated posts, generated as compact columns (no text), in chunks of 1M.

    Operators own about 2 text templates each (geometric; templates are groups of 4-15 posts, as
    ``simulated_columns``). A post carries its operator's phone (70%) and e-mail (20%), a phone of its own (15%),
    one of 5 platform support numbers on a footer line (3%), and a picture (15%): its operator's PDQ hash with 0-8
    bits flipped. What the link must find: operators' posts joined by shared contacts, templates and pictures; the
    support numbers recognised as hubs, not links.
    """
    import numpy as np

    from tipwatch.link.batch import Batch
    from tipwatch.link.entities import type_codes

    codes = type_codes()
    indptr, sh_ids, tmpl = simulated_columns(n, seed)
    rng = np.random.default_rng(seed + 1)
    posts = np.arange(n, dtype=np.int64)
    t_off = int(tmpl[-1]) + 1
    op_of_tmpl = np.cumsum(rng.random(t_off) < 0.5)  # about 2 templates per operator
    op = op_of_tmpl[tmpl]
    rows_post, rows_key, rows_type, rows_footer = [], [], [], []
    values: dict[int, tuple[str, str]] = {}

    def add(who: Any, ids: Any, kind: str, salt: int, fmt: str, footer: bool = False) -> None:
        keys = _mix(ids, salt)
        rows_post.append(who)
        rows_key.append(keys)
        rows_type.append(np.full(len(who), codes[kind], np.uint8))
        rows_footer.append(np.full(len(who), footer, bool))
        uniq = np.unique(ids)
        for k, v in zip(_mix(uniq, salt).tolist(), uniq.tolist(), strict=True):
            values[k] = (kind, fmt.format(v))

    sel = posts[rng.random(n) < 0.7]
    add(sel, op[sel], "phone", 1, "+9170{:08d}")
    sel = posts[rng.random(n) < 0.2]
    add(sel, op[sel], "email", 2, "op{}@example.org")
    sel = posts[rng.random(n) < 0.15]
    add(sel, sel, "phone", 3, "+9180{:08d}")
    sel = posts[rng.random(n) < 0.03]
    add(sel, rng.integers(0, 5, len(sel)), "phone", 4, "+9118{:08d}", footer=True)
    m_post = np.concatenate(rows_post)
    order = np.argsort(m_post, kind="stable")
    m_post = m_post[order]
    contact = np.zeros(n, bool)
    contact[m_post] = True
    img_post = posts[rng.random(n) < 0.15]
    op_pdq = np.random.default_rng(seed + 2).integers(0, 256, size=(int(op.max()) + 1, 32), dtype=np.uint8)
    pdq = op_pdq[op[img_post]].copy()
    flips = rng.integers(0, 9, len(img_post))
    for f in range(8):
        hit = np.flatnonzero(flips > f)
        bit = rng.integers(0, 256, len(hit))
        pdq[hit, bit // 8] ^= (1 << (bit % 8)).astype(np.uint8)
    img_key = _mix(np.frombuffer(pdq.tobytes(), dtype=np.uint64).reshape(-1, 4).sum(axis=1), 5)
    platforms = ["olx", "locanto", "skokka", "facebook", "instagram", "telegram"]
    return Batch(
        [f"s{i:09d}" for i in range(n)],
        [platforms[i % len(platforms)] for i in range(n)],
        ["ad"] * n,
        indptr,
        sh_ids,
        m_post,
        np.concatenate(rows_key)[order],
        np.concatenate(rows_type)[order],
        values,
        img_post,
        pdq,
        img_key,
        contact,
        np.concatenate(rows_footer)[order],
    ), op


def run_simulated_link(n: int, seed: int, engine: str, master: str) -> dict[str, object]:
    """The whole link (engine.update) of ``n`` simulated posts with the local or the Spark kernels."""
    import numpy as np

    from tipwatch.engines.local import default_workers
    from tipwatch.link.config import load_config
    from tipwatch.link.engine import update
    from tipwatch.link.state import LinkState

    cfg = load_config()
    mem = TreeMemory()
    out: dict[str, object] = {"kind": "simulated link", "engine": engine, "posts": n, "load_before": _load()}
    t = time.perf_counter()
    batch, op = simulated_batch(n, seed)
    out["generate_s"] = round(time.perf_counter() - t, 1)
    out["shingles"] = int(batch.sh_indptr[-1])
    out["memberships"] = len(batch.memb_post)
    out["pictures"] = len(batch.img_post)
    print(json.dumps(out), file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    kernels = None
    if engine == "spark":
        from tipwatch.link.spark import SparkKernels

        kernels = SparkKernels(_session(master), default_workers())
    out["session_s"] = round(time.perf_counter() - t0, 1)
    state = LinkState.empty(cfg.fingerprint(), cfg.text.num_perm, cfg.text.shingle_bits)
    t1 = time.perf_counter()
    delta = update(state, batch, cfg, kernels=kernels)
    out["update_s"] = round(time.perf_counter() - t1, 1)
    out["stages"] = {k: round(v, 1) for k, v in delta.timings.items()}
    sizes = np.array([len(v) for v in delta.networks.values()])
    out["networks"] = len(sizes)
    out["largest_network"] = int(sizes.max()) if len(sizes) else 0
    out["posts_in_networks"] = int(sizes.sum())
    out["links"] = len(state.pair_a)
    out["text_pairs"] = int((state.pair_signal == 0).sum())
    # How the networks sit against the simulated operators: a network should hold one operator's posts.
    net = state.net
    inn = net >= 0
    mixed = 0
    if inn.any():
        ops_per_net = np.unique(np.stack([net[inn], op[inn]], axis=1), axis=0)[:, 0]
        mixed = int((np.bincount(ops_per_net) > 1).sum())
    out["networks_with_several_operators"] = mixed
    digest = hashlib.sha256()
    for members in sorted(sorted(v.tolist()) for v in delta.networks.values()):
        digest.update(np.asarray(members, dtype=np.int64).tobytes())
    out["networks_sha256"] = digest.hexdigest()[:16]
    out["peak_tree_rss_mb"] = mem.stop()
    out["peak_machine_used_mb"] = round(mem.peak_used / 2**20)
    out["peak_driver_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # Linux: KiB
    out["load_after"] = _load()
    return out


def run_simulated(n: int, seed: int, master: str, deadline: float, with_candidates: bool = True) -> dict[str, object]:
    """The Spark kernels on ``n`` simulated posts; stops after ``deadline`` seconds and says how far it got."""
    import numpy as np

    from tipwatch.link.config import load_config
    from tipwatch.link.lsh import band_keys
    from tipwatch.link.spark import SparkKernels
    from tipwatch.link.textsig import perm_params

    cfg = load_config()
    tc = cfg.text
    mem = TreeMemory()
    out: dict[str, object] = {"posts": n, "load_before": _load(), "done": []}
    t = time.perf_counter()
    indptr, ids, _ = simulated_columns(n, seed)
    out["generate_s"] = round(time.perf_counter() - t, 1)
    out["shingles"] = len(ids)

    def stop_if_late(stage: str, started: float) -> None:
        out["done"].append(stage)  # type: ignore[attr-defined]
        out[f"{stage}_s"] = round(time.perf_counter() - started, 1)
        out["peak_tree_rss_mb"] = round(max(mem.peak / 2**20, 0))
        print(json.dumps(out), file=sys.stderr, flush=True)

    def alarm() -> None:
        out["stopped_at_deadline_s"] = deadline
        out["peak_tree_rss_mb"] = mem.stop()
        out["load_after"] = _load()
        print(json.dumps(out), flush=True)
        os._exit(3)

    timer = threading.Timer(deadline, alarm)
    timer.daemon = True
    timer.start()
    t = time.perf_counter()
    spark = _session(master)
    kernels = SparkKernels(spark)
    stop_if_late("session", t)
    t = time.perf_counter()
    a, b = perm_params(tc.num_perm, tc.seed)
    sigs = kernels.signatures(indptr, ids, a, b)
    del indptr, ids
    stop_if_late("signatures", t)
    t = time.perf_counter()
    keys = band_keys(sigs, tc.bands, tc.rows)
    stop_if_late("band_keys", t)
    if not with_candidates:
        timer.cancel()
        out["total_s"] = round(sum(float(out[f"{s}_s"]) for s in out["done"]), 1)  # type: ignore[attr-defined,arg-type]
        out["peak_tree_rss_mb"] = mem.stop()
        out["load_after"] = _load()
        return out
    t = time.perf_counter()
    members = np.arange(n, dtype=np.int64)
    pa, _, _ = kernels.similar(keys, members, np.ones(n, bool), tc.max_bucket, sigs, tc.min_jaccard, None)
    stop_if_late("candidates", t)
    timer.cancel()
    out["pairs"] = len(pa)
    out["total_s"] = round(sum(float(out[f"{s}_s"]) for s in out["done"]), 1)  # type: ignore[attr-defined,arg-type]
    out["peak_tree_rss_mb"] = mem.stop()
    out["load_after"] = _load()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="", help="generator corpus sizes: local and Spark engines, full link")
    ap.add_argument("--simulate", default="", help="simulated sizes: the Spark kernels alone")
    ap.add_argument("--simulate-link", default="", help="simulated sizes: the whole link (engine.update), --engines")
    ap.add_argument("--engines", default="local,spark")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--deadline", type=float, default=3600.0, help="seconds per simulated size")
    ap.add_argument("--signatures-only", action="store_true", help="simulated sizes: stop after MinHash and band keys")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        job = json.loads(args.one)
        if job["kind"] == "simulated link":
            print(json.dumps(run_simulated_link(job["n"], args.seed, job["engine"], args.master)), flush=True)
        elif job["kind"] == "corpus":
            spool = [Path(p) for p in job["spool"]]
            print(json.dumps(run_corpus(job["n"], args.seed, job["engine"], args.master, spool)), flush=True)
        else:
            done = run_simulated(job["n"], args.seed, args.master, args.deadline, not args.signatures_only)
            print(json.dumps(done), flush=True)
        return
    print(f"machine: {machine()}", flush=True)
    for n in [int(s) for s in args.sizes.split(",") if s]:
        spool, gen_s = _spool(n, args.seed)
        print(json.dumps({"posts": n, "generate_s": round(gen_s, 1)}), flush=True)
        for engine in args.engines.split(","):
            job = {"kind": "corpus", "n": n, "engine": engine, "spool": [str(p) for p in spool]}
            _child(job, args)
        for path in spool:
            path.unlink()
        spool[0].parent.rmdir()
    for n in [int(s) for s in args.simulate.split(",") if s]:
        _child({"kind": "simulated", "n": n}, args)
    for n in [int(s) for s in args.simulate_link.split(",") if s]:
        for engine in args.engines.split(","):
            _child({"kind": "simulated link", "n": n, "engine": engine}, args)


def _child(job: dict[str, object], args: argparse.Namespace) -> None:
    cmd = [sys.executable, __file__, "--one", json.dumps(job), "--seed", str(args.seed), "--master", args.master]
    cmd += ["--deadline", str(args.deadline)] + (["--signatures-only"] if args.signatures_only else [])
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = res.stdout.strip().splitlines()
    if lines:
        print(lines[-1], flush=True)
    if res.returncode not in (0, 3):
        # The stages a failed size finished (printed as it goes), then the end of its error.
        progress = [line for line in res.stderr.splitlines() if line.startswith("{")]
        print(json.dumps({"failed": job, "returncode": res.returncode, "last_progress": progress[-1:]}), flush=True)
        print(res.stderr[-3000:], file=sys.stderr)


if __name__ == "__main__":
    main()
