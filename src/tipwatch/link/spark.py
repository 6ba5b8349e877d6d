"""Linking on Spark: the link stage's per-post and per-pair work as Spark tasks, the rest shared with the local engine.

What runs on the cluster (the work that grows with posts and pairs):

- preparing posts (tokenize, mask, shingle, identifier and picture memberships: ``batch.prepare_batch``) in
  ``mapPartitions``, one chunk of posts per task, from the store (the driver reads chunks and ships them) or from the
  Parquet parts that ``analyze --engine spark --parquet`` wrote (each task reads its own part);
- MinHash signatures of the template sets (``textsig.minhash``), one range of sets per task;
- the LSH candidate search: one row per (band, band key, representative) made on the executors, a shuffle that
  groups them by (band, key), buckets over ``max_bucket`` left out, and per bucket its pairs with the same skip rule
  as ``lsh.similar_pairs`` (a pair met in an earlier band within the bound is not met again), verified with the same
  ``textsig.jaccard_estimate`` in ``mapInArrow``; only the accepted pairs come back to the driver.

What stays on the driver, as the same functions the local engine calls (``engine.update`` with ``SparkKernels``):
entity statistics and hub rules over the compact membership columns, poster groups, shingle evidence, picture
clusters, pair scoring and the clustering itself. Those work on integer columns a few bytes per post or link, small
next to the texts and the candidate pairs (docs/decisions.md, "Linking on Spark"). So the stored links and networks
are the local engine's by construction: the kernels return bit-identical arrays, checked by tests/engines.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from tipwatch.engines.local import chunked
from tipwatch.link.arrays import isin_sorted
from tipwatch.link.batch import Batch, PostInput, concat_batches, prepare_batch, take_batch
from tipwatch.link.config import TextConfig
from tipwatch.link.engine import Kernels
from tipwatch.link.lsh import over_bound, pairs_in_groups
from tipwatch.link.textsig import I64, U32, U64, jaccard_estimate, minhash

Bool = npt.NDArray[np.bool_]

PREPARE_CHUNK = 20_000  # posts per prepare task: seconds of work, as the local engine's worker chunks
SIGN_CHUNK = 50_000  # template sets per MinHash task


class ParquetMismatch(ValueError):
    """The Parquet folder does not hold every post the store holds (linking needs them all); says which."""


def _prepare_part(cfg: TextConfig, chunks: Iterable[list[PostInput]]) -> Iterator[Batch]:
    # Runs on an executor: the extractor registry and type codes prepare_batch needs are module-level caches, loaded
    # once per Python worker and reused by its later tasks.
    for posts in chunks:
        yield prepare_batch(posts, cfg)


def prepare_on_spark(
    sc: Any, posts: Iterable[PostInput], cfg: TextConfig, chunk: int = PREPARE_CHUNK
) -> Iterator[Batch]:
    """``prepare_batch`` over consecutive chunks of ``posts`` as Spark tasks, in order.

    One Spark job per window of chunks (twice the cluster's parallelism); the next window is read while the cluster
    prepares this one, so the driver holds about two windows of posts.
    """
    window = 2 * max(1, int(sc.defaultParallelism))
    task = partial(_prepare_part, cfg)

    def run(group: list[list[PostInput]]) -> list[Batch]:
        return sc.parallelize(group, len(group)).mapPartitions(task).collect()  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tipwatch-link-spark") as pool:
        pending: Future[list[Batch]] | None = None
        for group in chunked(chunked(posts, chunk), window):
            job = pool.submit(run, group)
            if pending is not None:
                yield from pending.result()
            pending = job
        if pending is not None:
            yield from pending.result()


def _parquet_part(directory: str, cfg: TextConfig, min_quality: int, names: Iterable[str]) -> Iterator[Batch]:
    """Runs on an executor: one Parquet part (posts, identifiers, media of one analyze task) as a prepared batch, in
    the part's row order."""
    import pyarrow.parquet as pq

    from tipwatch.engines.parquet import filesystem
    from tipwatch.link.producers import post_inputs
    from tipwatch.store.interface.posts import IdentifierRow, ImageHashRow, PostRecord

    filesys, base = filesystem(directory)
    base = base.rstrip("/")

    def table(name: str, part: str, columns: list[str]) -> list[dict[str, Any]]:
        return pq.read_table(f"{base}/{name}/{part}", filesystem=filesys, columns=columns).to_pylist()  # type: ignore[no-any-return]

    for part in names:
        posts = [
            PostRecord(
                p["post_id"],
                p["title"] or "",
                p["platform"],
                p["kind"],
                None,
                None,
                None,
                0.0,
                None,
                p["body"] or "",
                list(p["images"] or []),
            )
            for p in table("posts", part, ["post_id", "title", "body", "platform", "kind", "images"])
        ]
        idents = [
            IdentifierRow(r["post_id"], r["type"], r["value"], r["start"], r["end"])
            for r in table("identifiers", part, ["post_id", "type", "value", "start", "end"])
        ]
        media = [
            ImageHashRow(r["post_id"], r["sha256"], r["pdq"], r["pdq_mirror"], r["quality"])
            for r in table("media", part, ["post_id", "sha256", "pdq", "pdq_mirror", "quality"])
        ]
        yield prepare_batch(post_inputs(posts, idents, media, min_quality=min_quality), cfg)


def parquet_parts(directory: str) -> list[str]:
    """The part files of the posts table under ``directory`` (as analyze --engine spark --parquet wrote them)."""
    from pyarrow import fs

    from tipwatch.engines.parquet import filesystem

    filesys, base = filesystem(directory)
    folder = f"{base.rstrip('/')}/posts"
    info = filesys.get_file_info(folder)
    if info.type != fs.FileType.Directory:
        raise ParquetMismatch(f"{directory}: no posts table (expected {folder}/part-*.parquet)")
    found = filesys.get_file_info(fs.FileSelector(folder))
    return sorted(f.base_name for f in found if f.base_name.endswith(".parquet") and not f.base_name.startswith("."))


def prepare_parquet(sc: Any, directory: str, ids: Sequence[str], cfg: TextConfig, min_quality: int) -> Batch:
    """The posts ``ids`` (in that order) prepared from the Parquet under ``directory``, one Spark task per part.

    A post written twice (the same record read twice) is taken once; posts the store does not hold are left out. A
    stored post missing from the Parquet is an error naming it: links must cover the store's posts.
    """
    parts = parquet_parts(directory)
    if not parts:
        raise ParquetMismatch(f"{directory}: the posts table has no part files")
    task = partial(_parquet_part, directory, cfg, min_quality)
    got = sc.parallelize(parts, len(parts)).mapPartitions(task).collect()
    whole = concat_batches(got) if got else None
    at: dict[str, int] = {}
    for i, pid in enumerate(whole.ids if whole is not None else []):
        at.setdefault(pid, i)
    missing = [pid for pid in ids if pid not in at]
    if missing or whole is None:
        raise ParquetMismatch(
            f"{directory}: {len(missing)} stored posts are not in the Parquet"
            f" (first: {missing[0] if missing else '-'});"
            " link from the store (no --parquet) or analyze them with --parquet into this folder"
        )
    return take_batch(whole, np.fromiter((at[pid] for pid in ids), dtype=np.int64, count=len(ids)))


def _sign(ab: Any, pieces: Iterable[tuple[I64, npt.NDArray[np.uint32]]]) -> Iterator[U32]:
    a, b = ab.value
    for indptr, ids in pieces:
        yield minhash(indptr, ids, a, b)


@dataclass(frozen=True, slots=True)
class _Bands:
    """What every candidate task needs: per representative its band keys, whether each key's bucket is over the
    bound, its signature, whether it is searched, and its post index."""

    keys: U64
    big: Bool
    sigs: U32
    search: Bool
    members: I64


@dataclass(frozen=True, slots=True)
class _BandFiles:
    """Where a task finds the _Bands: one .npy file per field, shipped to every node with ``SparkContext.addFile``
    and memory-mapped there.

    Why files and not a broadcast: a broadcast is unpickled into every Python worker (about 400 bytes per
    representative, so 4 GB per worker at 10M posts, times the workers, plus the driver's copies). A mapped file is
    read through the node's page cache, once per node, whatever the number of workers, and the tasks only touch the
    rows of their own buckets. ``np.load(allow_pickle=False)`` reads plain arrays only: no code in the file can run.
    """

    names: tuple[str, ...]

    def load(self) -> _Bands:
        from pyspark import SparkFiles

        got = _MAPPED.get(self.names)
        if got is None:
            arrays = [np.load(SparkFiles.get(name), mmap_mode="r", allow_pickle=False) for name in self.names]
            got = _Bands(*arrays)
            _MAPPED.clear()  # one search's table at a time per worker
            _MAPPED[self.names] = got
        return got


_MAPPED: dict[tuple[str, ...], _Bands] = {}


def _ship(sc: Any, table: _Bands, folder: str) -> _BandFiles:
    """Write ``table`` under ``folder`` as .npy files with names no other search uses, and add them to ``sc``."""
    import uuid

    tag = uuid.uuid4().hex
    names = []
    for name in (f.name for f in fields(_Bands)):
        path = f"{folder}/tipwatch-lsh-{tag}-{name}.npy"
        np.save(path, getattr(table, name), allow_pickle=False)
        sc.addFile(path)
        names.append(path.rsplit("/", 1)[1])
    return _BandFiles(tuple(names))


def _band_rows(files: _BandFiles, batches: Iterable[Any]) -> Iterator[Any]:
    """Runs on an executor: (band, key, representative) rows for a range of representatives; keys in buckets over
    the bound are left out here (they are never expanded)."""
    import pyarrow as pa

    t = files.load()
    for batch in batches:
        pos = batch.column(0).to_numpy()
        for j in range(t.keys.shape[1]):
            p = pos[~t.big[pos, j]]
            yield pa.RecordBatch.from_arrays(
                [pa.array(np.full(len(p), j, np.int32)), pa.array(t.keys[p, j].view(np.int64)), pa.array(p)],
                names=["band", "key", "pos"],
            )


def _bucket_pairs(files: _BandFiles, min_jaccard: float, batches: Iterable[Any]) -> Iterator[Any]:
    """Runs on an executor: the pairs of a batch of buckets with one end searched, not met in an earlier band within
    the bound (lsh.similar_pairs' rule, so each pair is scored in one band only), whose Jaccard estimate reaches
    ``min_jaccard``: (a, b, J) in post indices, a < b."""
    import pyarrow as pa

    t = files.load()
    for batch in batches:
        band = batch.column(0).to_numpy()
        lists = batch.column(1)
        flat = lists.flatten().to_numpy()
        offsets = lists.offsets.to_numpy().astype(np.int64)
        offsets -= offsets[0]  # a slice of a larger list array: flatten() starts at its first value
        sizes = np.diff(offsets)
        end = np.repeat(offsets[1:], sizes)
        li, ri = pairs_in_groups(np.arange(len(flat), dtype=np.int64), end)
        left, right, j = flat[li], flat[ri], np.repeat(band, sizes)[li]
        keep = t.search[left] | t.search[right]
        for jj in range(t.keys.shape[1] - 1):
            met = (j > jj) & (t.keys[left, jj] == t.keys[right, jj]) & ~t.big[left, jj]
            keep &= ~met
        left, right = left[keep], right[keep]
        score = jaccard_estimate(t.sigs, left, right)
        ok = score >= min_jaccard
        a, b = t.members[left[ok]], t.members[right[ok]]
        yield pa.RecordBatch.from_arrays(
            [pa.array(np.minimum(a, b)), pa.array(np.maximum(a, b)), pa.array(score[ok])], names=["a", "b", "j"]
        )


class SparkKernels(Kernels):
    """engine.Kernels on a Spark session: MinHash and the LSH candidate search run as Spark tasks."""

    def __init__(self, spark: Any, threads: int = 1) -> None:
        super().__init__(threads)
        self.spark = spark
        self.sc = spark.sparkContext

    def signatures(self, indptr: I64, ids: npt.NDArray[np.uint32], a: U64, b: U64) -> U32:
        n = len(indptr) - 1
        if n == 0:
            return super().signatures(indptr, ids, a, b)
        cuts = [*range(0, n, SIGN_CHUNK), n]
        pieces = [
            (indptr[lo : hi + 1] - indptr[lo], ids[indptr[lo] : indptr[hi]]) for lo, hi in itertools.pairwise(cuts)
        ]
        ab = self.sc.broadcast((a, b))
        # One Spark job per window of ranges: the driver's JVM holds one window's results at a time (collecting 10M
        # signatures, 2.5 GB, in one job lost results from a 4 GB driver's block manager).
        window = 2 * max(1, int(self.sc.defaultParallelism))
        out: list[U32] = []
        try:
            for at in range(0, len(pieces), window):
                group = pieces[at : at + window]
                out.extend(self.sc.parallelize(group, len(group)).mapPartitions(partial(_sign, ab)).collect())
        finally:
            ab.unpersist()
        return np.concatenate(out)

    def similar(
        self,
        keys: U64,
        members: I64,
        search: Bool,
        max_bucket: int | None,
        sigs: U32,
        min_jaccard: float,
        big_keys: list[U64] | None,
    ) -> tuple[I64, I64, npt.NDArray[np.float32]]:
        from pyspark.sql import functions as F

        n, n_bands = keys.shape
        if n == 0 or not search[members].any():
            z = np.zeros(0, dtype=np.int64)
            return z, z, np.zeros(0, dtype=np.float32)
        over = big_keys if big_keys is not None else over_bound(keys, max_bucket, self.threads)
        big = np.stack([isin_sorted(np.ascontiguousarray(keys[:, j]), over[j]) for j in range(n_bands)], axis=1)
        table = _Bands(np.ascontiguousarray(keys), big, np.ascontiguousarray(sigs[members]), search[members], members)
        with tempfile.TemporaryDirectory(prefix="tipwatch-lsh-") as folder:
            files = _ship(self.sc, table, folder)
            del table, big
            parts = max(2, int(self.sc.defaultParallelism) * 2, n // 250_000)
            rows = self.spark.range(0, n, numPartitions=parts).mapInArrow(
                partial(_band_rows, files), "band int, key long, pos long"
            )
            buckets = rows.groupBy("band", "key").agg(F.collect_list("pos").alias("posts")).where(F.size("posts") >= 2)
            found = buckets.select("band", "posts").mapInArrow(
                partial(_bucket_pairs, files, float(min_jaccard)), "a long, b long, j float"
            )
            got = found.toArrow()
        a = got.column("a").to_numpy().astype(np.int64)
        b = got.column("b").to_numpy().astype(np.int64)
        j = got.column("j").to_numpy().astype(np.float32)
        order = np.argsort((a << np.int64(32)) | b)
        return a[order], b[order], j[order]
