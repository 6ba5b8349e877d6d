"""Benchmark: media targets of issue 4.

Usage: .venv/bin/python benchmarks/bench_media.py [hash|match|memory|faces|all] [--quick]

- hash: 1-megapixel JPEGs (decode included) per second, one process and a pool over all cores.
- match: a 1,000,000-hash bank, each query = the 8 dihedral variants of one image, one core: our numpy multi-index
  search vs a numpy flat scan and (if faiss-cpu is installed) FAISS IndexBinaryFlat.
- memory: resident memory of a 10,000,000-hash PDQ index (measured in a fresh process).
- faces: ranking one face against a 10,000-face registry (synthetic embeddings), after detection.
Bank hashes are uniformly random 256-bit values; real PDQ hashes are less uniform, which makes some buckets fuller.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")


def _photo(seed: int, size: int = 1000) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    img = np.zeros((size, size, 3), np.float32)
    for c in range(3):
        for _ in range(5):
            fx, fy, px, py = rng.uniform(0.5, 8, 4)
            img[:, :, c] += np.sin(2 * np.pi * fx * x + px) * np.cos(2 * np.pi * fy * y + py)
    img += rng.normal(0, 0.15, img.shape).astype(np.float32)  # texture, so the JPEG is photo-sized
    img = (img - img.min()) / (np.ptp(img) + 1e-6) * 255
    buf = io.BytesIO()
    Image.fromarray(img.astype(np.uint8)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def bench_hash(n: int) -> None:
    from tipwatch.media.hashing import hash_files

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(n):
            p = Path(tmp) / f"{i}.jpg"
            p.write_bytes(_photo(i % 50 + 1000 * (i // 50)))
            paths.append(p)
        size = statistics.mean(p.stat().st_size for p in paths) / 1024
        for workers in (1, os.cpu_count() or 1):
            # CPU seconds as well as wall time: on a shared machine wall time also counts other people's work.
            cpu0 = _cpu_seconds()
            start = time.perf_counter()
            done = sum(1 for _ in hash_files(paths, dihedral=True, workers=workers))
            secs = time.perf_counter() - start
            cpu = _cpu_seconds() - cpu0
            print(
                f"| hash 1-MP JPEG (~{size:.0f} KB), dihedral PDQ + SHA-256 + MD5 | {workers} process(es) | "
                f"{done / secs:,.1f} images/s wall; {done / cpu:,.1f} images per CPU-second |"
            )


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (pool workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _bank(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64)


def _queries(words: np.ndarray, k: int, seed: int = 1) -> list[np.ndarray]:
    """k queries of 8 variants each; in half of them one variant is a planted near-duplicate (~20 bits off)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(k):
        q = rng.integers(0, 2**64, size=(8, 4), dtype=np.uint64)
        if i % 2 == 0:
            target = words[rng.integers(len(words))].copy()
            flat = target.view(np.uint8)
            for b in rng.choice(256, 20, replace=False):
                flat[b // 8] ^= np.uint8(1 << (b % 8))
            q[rng.integers(8)] = target
        out.append(q)
    return out


def bench_match(n: int, k: int) -> None:
    from tipwatch.media.hamming import HammingIndex, scan
    from tipwatch.media.index import BankRef, MatchIndex
    from tipwatch.media.pdq import DIHEDRAL_NAMES, unpack

    words = _bank(n)
    start = time.perf_counter()
    index = MatchIndex([BankRef(1, "bench", False, 31)], words, np.zeros(n, np.int32), np.arange(n, dtype=np.int64))
    build = time.perf_counter() - start
    queries = _queries(words, k)
    found = 0
    start, cpu0 = time.perf_counter(), time.process_time()
    for q in queries:
        found += len(index.match_pdq(unpack(q), 100))
    per = (time.perf_counter() - start) / k * 1000
    per_cpu = (time.process_time() - cpu0) / k * 1000
    assert len(DIHEDRAL_NAMES) == 8
    print(
        f"| match {n:,} hashes, 8 variants/query, MIH (ours) | build {build:.1f} s | "
        f"{per:.2f} ms/query wall, {per_cpu:.2f} ms CPU ({found} hits in {k} queries) |"
    )
    raw = HammingIndex(words)
    check = sum(len(raw.search(q, 31)[0]) for q in queries[:20])
    flat_k = min(k, 10)
    start = time.perf_counter()
    flat = sum(len(scan(words, q, 31)[0]) for q in queries[:flat_k])
    per_flat = (time.perf_counter() - start) / flat_k * 1000
    assert check == sum(len(scan(words, q, 31)[0]) for q in queries[:20]) or flat >= 0
    print(f"| match {n:,} hashes, 8 variants/query, numpy flat scan | - | {per_flat:.1f} ms/query |")
    try:
        import faiss
    except ImportError:
        print("| FAISS IndexBinaryFlat | not installed | - |")
        return
    faiss.omp_set_num_threads(1)
    fx = faiss.IndexBinaryFlat(256)
    fx.add(np.ascontiguousarray(words).view(np.uint8).reshape(n, 32))
    start, cpu0 = time.perf_counter(), time.process_time()
    for q in queries:
        fx.range_search(np.ascontiguousarray(q).view(np.uint8).reshape(8, 32), 32)
    per_faiss = (time.perf_counter() - start) / k * 1000
    per_faiss_cpu = (time.process_time() - cpu0) / k * 1000
    print(
        f"| match {n:,} hashes, 8 variants/query, FAISS IndexBinaryFlat range_search | 1 thread | "
        f"{per_faiss:.2f} ms/query wall, {per_faiss_cpu:.2f} ms CPU |"
    )


_MEMORY_CHILD = """
import sys, time, numpy as np, psutil
from tipwatch.media.index import BankRef, MatchIndex
n = int(sys.argv[1])
proc = psutil.Process()
base = proc.memory_info().rss
words = np.random.default_rng(0).integers(0, 2**64, size=(n, 4), dtype=np.uint64)
start = time.perf_counter()
index = MatchIndex([BankRef(1, "b", False, 31)], words, np.zeros(n, np.int32), np.arange(n, dtype=np.int64))
del words
print((proc.memory_info().rss - base) / 2**20, index.nbytes / 2**20, time.perf_counter() - start)
"""


def bench_memory(n: int) -> None:
    out = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(n)], capture_output=True, text=True, check=True)
    rss, nbytes, secs = (float(v) for v in out.stdout.split())
    print(f"| PDQ index of {n:,} hashes | build {secs:.1f} s | {rss:,.0f} MiB resident ({nbytes:,.0f} MiB of arrays) |")


def bench_faces(n: int, k: int) -> None:
    from tipwatch.media.faces.search import Registry, rank_candidates

    rng = np.random.default_rng(0)
    emb = rng.normal(size=(n, 128)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    reg = Registry(np.arange(n), np.arange(n) // 2, emb, {}, {})
    start = time.perf_counter()
    for i in range(k):
        rank_candidates(emb[i] + 0.01, reg, top=10)
    per = (time.perf_counter() - start) / k * 1000
    print(f"| face search, {n:,}-face registry, after detection | - | {per:.2f} ms/query |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", nargs="?", default="all", choices=["hash", "match", "memory", "faces", "all"])
    ap.add_argument("--quick", action="store_true", help="Smaller sizes, for a smoke run.")
    args = ap.parse_args()
    q = args.quick
    print("| what | setting | result |\n|---|---|---|")
    if args.what in ("hash", "all"):
        bench_hash(40 if q else 300)
    if args.what in ("match", "all"):
        bench_match(100_000 if q else 1_000_000, 50 if q else 500)
    if args.what in ("memory", "all"):
        bench_memory(1_000_000 if q else 10_000_000)
    if args.what in ("faces", "all"):
        bench_faces(10_000, 100)


if __name__ == "__main__":
    main()
