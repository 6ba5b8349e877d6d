"""The Spark engine: the per-post pipeline (readers, to_post, normalize, extract, indicators, score, media hashes)
as ``mapPartitions`` tasks on a Spark cluster (or ``local[N]``), results back to the driver in input order.

Work units: a plain JSONL file is cut into line ranges (``sources.plan_pieces``: every record keeps the position
the whole-file reader gives it); anything else (a folder, a gzip file, CSV, HTML, WARC) is one task that runs the
ordinary reader over it. One unit is one partition. A task builds its Analyzer once per Python worker and run
(``workers.analyzer_for``; the run's settings and hash-bank index come as one broadcast), reads its unit, analyses
it in chunks and, with ``parquet_dir``, writes its Parquet part.

The driver asks for the partitions in order, a bounded window of them at a time (one Spark job each, submitted from
a thread pool so that the cluster works on the next ones while the store writes this one): memory on the driver
stays at about ``window`` partitions and the store sees the same sequence of records as with the local engine.

Local paths must be readable at the same path on every executor (a shared filesystem; always true in local mode).
URL inputs (``hdfs://``, ``s3a://``, ``file://``: any Hadoop filesystem the cluster has) are listed on the driver
through Spark's Hadoop configuration; each file is one task that gets the file's bytes from ``binaryFiles`` (so one
file must fit in an executor's memory, under 2 GB), puts them in a temporary file of the same name and runs the
ordinary reader on it; its records are named by the URL. Their relative image paths resolve under ``--images`` only.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from tipwatch.engines.base import EngineUnavailable, Job, is_url
from tipwatch.model import Outcome, RawRecord
from tipwatch.sources import ReadStats

# About this many lines of a big JSONL file per task: seconds of work (a Spark job costs tens of milliseconds), small
# enough to spread a 100k-line file over many cores and to hold a window of tasks' results on the driver.
LINES_PER_TASK = 2000

PartOut = tuple[list[Outcome], dict[str, int]]


@dataclass(frozen=True, slots=True)
class Unit:
    """One task's input: a local path read whole, a line range of a local JSONL file, or one file behind a URL."""

    path: str
    span: Any = None  # sources.jsonl.LineRange, or None for the whole path
    remote: bool = False  # a URL: the task gets its bytes from Spark (binaryFiles)


class SparkUnavailable(EngineUnavailable):
    """pyspark is not installed (the ``spark`` extra) or Spark cannot start (no Java, a bad master URL)."""


def plan_units(
    inputs: Sequence[Path | str], fmt: str | None, lines_per_task: int, sc: Any = None, stats: ReadStats | None = None
) -> list[Unit]:
    from tipwatch.sources.reader import plan_pieces

    units: list[Unit] = []
    for path in inputs:
        if is_url(path):
            units.extend(Unit(url, remote=True) for url in list_url(sc, str(path), stats))
            continue
        pieces: Sequence[Any] = plan_pieces(path, fmt, lines_per_task) or [None]
        units.extend(Unit(str(path), piece) for piece in pieces)
    return units


def list_url(sc: Any, url: str, stats: ReadStats | None = None) -> list[str]:
    """The files under ``url`` (itself when it is a file), sorted; names starting with ``.`` or ``_`` (hidden files,
    Hadoop's ``_SUCCESS`` markers) are counted in ``stats`` and left out, as ``read`` leaves out hidden entries."""
    from tipwatch.sources import SourceNotFound

    jvm = sc._jvm
    root = jvm.org.apache.hadoop.fs.Path(url)
    filesystem = root.getFileSystem(sc._jsc.hadoopConfiguration())
    if not filesystem.exists(root):
        raise SourceNotFound(url)
    if filesystem.getFileStatus(root).isFile():
        return [url]
    base = filesystem.getFileStatus(root).getPath().toString().rstrip("/")
    found: list[str] = []
    files = filesystem.listFiles(root, True)
    while files.hasNext():
        name = files.next().getPath().toString()
        relative = name[len(base) :].lstrip("/")
        if any(part.startswith((".", "_")) for part in relative.split("/")):
            if stats is not None:
                stats.skip("hidden file or folder")
            continue
        found.append(name)
    return sorted(found)


def analyze_partition(
    key: str, job_ref: Any, parquet_dir: str | None, index: int, units: Iterable[Any]
) -> Iterator[PartOut]:
    """Runs on an executor: read and analyse this partition's unit (a Unit, or a URL's (name, bytes) from
    ``binaryFiles``); yield (results, passed-over counts)."""
    from tipwatch.engines.local import chunked
    from tipwatch.engines.workers import analyzer_for
    from tipwatch.sources import read
    from tipwatch.sources.reader import read_span

    job: Job = job_ref.value
    analyzer = analyzer_for(key, job.settings, job.media_index)
    for unit in units:
        stats = ReadStats()
        with tempfile.TemporaryDirectory(prefix="tipwatch-") as scratch:
            if isinstance(unit, Unit):
                if unit.span is None:
                    raws = read([unit.path], columns=job.columns, fmt=job.fmt, stats=stats)
                else:
                    raws = read_span(unit.path, unit.span, columns=job.columns)
            else:
                url, content = unit
                raws = _read_bytes(url, content, Path(scratch), job, stats)
            results: list[Outcome] = []
            for chunk in chunked(raws, job.batch):
                results.extend(analyzer.process(chunk))
        if parquet_dir is not None:
            from tipwatch.engines.parquet import write_part

            write_part(parquet_dir, index, results)
        yield results, dict(stats.skipped)


def _read_bytes(url: str, content: bytes, scratch: Path, job: Job, stats: ReadStats) -> Iterator[RawRecord]:
    """A URL's file as records named by the URL: its bytes in a temporary file of the same name (the readers choose
    the format by name and check gzip by content), read by the ordinary reader."""
    from tipwatch.sources import read
    from tipwatch.sources.base import display_path

    local = scratch / (url.rstrip("/").rsplit("/", 1)[-1] or "input")
    local.write_bytes(content)
    name = display_path(local)
    for record in read([local], columns=job.columns, fmt=job.fmt, stats=stats):
        if record.source == name:
            record.source = url
        yield record


def _whole(partition: Iterable[PartOut]) -> Iterable[PartOut]:
    return partition


def start_session(master: str | None, app_name: str = "tipwatch analyze") -> tuple[Any, bool]:
    """The running SparkSession (tests, notebooks, spark-submit) or a new one; True when this call started it.

    Without a master from the caller or from spark-submit, Spark runs in this process (``local[*]``), with this
    interpreter as the workers' Python so that they have tipwatch installed.
    """
    try:
        from pyspark import SparkConf, SparkContext
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkUnavailable(
            "--engine spark needs pyspark: install the spark extra (pip install 'tipwatch[spark]')"
        ) from exc
    started = SparkContext._active_spark_context is None
    builder = SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", "false")
    if started:
        conf = SparkConf()
        master = master or conf.get("spark.master", None) or "local[*]"
        builder = builder.master(master)
        if master.startswith("local") and not os.environ.get("PYSPARK_PYTHON"):
            # PySpark starts its workers with $PYSPARK_PYTHON (default: python3 on PATH, maybe without tipwatch).
            os.environ["PYSPARK_PYTHON"] = sys.executable
    try:
        return builder.getOrCreate(), started
    except Exception as exc:  # no Java, a bad master URL: one line for the user, not a JVM trace
        raise SparkUnavailable(f"cannot start Spark ({master}): {exc}".splitlines()[0]) from exc


@dataclass(slots=True)
class SparkEngine:
    master: str | None = None  # spark://host:7077, yarn, k8s://..., local[N]; None: the running session or local[*]
    parquet_dir: str | None = None
    lines_per_task: int = LINES_PER_TASK
    window: int = 0  # partitions in flight (0: twice the cluster's default parallelism)

    def run(self, inputs: Sequence[Path | str], job: Job, stats: ReadStats) -> Iterator[list[Outcome]]:
        from tipwatch.engines.local import chunked

        spark, started = start_session(self.master)
        records = self._records(spark.sparkContext, inputs, job, stats)
        try:
            # Re-cut into the local engine's chunks (``batch`` consecutive records across file and task boundaries):
            # the store writes a chunk as one batch, and the order of its rows follows the batch.
            yield from chunked(records, job.batch)
        finally:
            records.close()  # cancels the Spark jobs still running when the consumer stopped early
            if started:
                spark.stop()

    def _records(
        self, sc: Any, inputs: Sequence[Path | str], job: Job, stats: ReadStats
    ) -> Generator[Outcome, None, None]:
        units = plan_units(inputs, job.fmt, self.lines_per_task, sc, stats)
        if not units:  # URLs naming only empty folders
            return
        key = uuid.uuid4().hex  # this run: the job group to cancel, the Analyzer to (re)build in a worker
        job_ref = sc.broadcast(job)
        rdd = sc.parallelize(units, len(units)).mapPartitionsWithIndex(
            partial(analyze_partition, key, job_ref, self.parquet_dir)
        )
        window = self.window or 2 * max(1, sc.defaultParallelism)

        def fetch(index: int) -> list[PartOut]:
            sc.setJobGroup(key, "tipwatch analyze", interruptOnCancel=True)
            unit = units[index]
            if unit.remote:  # its bytes through Spark's Hadoop filesystems; the part number is the unit's
                task = partial(analyze_partition, key, job_ref, self.parquet_dir, index)
                return sc.binaryFiles(unit.path, 1).mapPartitions(task).collect()  # type: ignore[no-any-return]
            return sc.runJob(rdd, _whole, [index])  # type: ignore[no-any-return]

        pool = ThreadPoolExecutor(max_workers=window, thread_name_prefix="tipwatch-spark")
        finished = False
        try:
            pending: deque[Future[list[PartOut]]] = deque()
            next_index = 0
            while pending or next_index < len(units):
                while next_index < len(units) and len(pending) < window:
                    pending.append(pool.submit(fetch, next_index))
                    next_index += 1
                for results, skipped in pending.popleft().result():
                    stats.skipped.update(skipped)
                    yield from results
            finished = True
        finally:
            if not finished:  # an error or the consumer stopped: do not let the cluster finish queued work
                sc.cancelJobGroup(key)
            pool.shutdown(wait=True, cancel_futures=True)
            job_ref.unpersist()
