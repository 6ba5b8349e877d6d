"""Analyze inputs: read, run the per-post stages on this machine's cores, store, link, report.

The one orchestration of a run, for every front door: the CLI's ``analyze`` today, the web app's ingest job and
other engines tomorrow. It holds no SQL (the store's repositories write) and prints nothing (``on_progress``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tipwatch.engines.base import Engine, EngineUnavailable, Job, is_url
from tipwatch.store.facade import Store
from tipwatch.store.interface.runs import Counts, open_quarantine_file

# Starting workers costs more than it saves below this many batches of input.
_MIN_BATCHES_FOR_WORKERS = 4
ENGINES = ("local", "spark")


class AnalyzeError(Exception):
    """The run cannot start or did not reconcile; the message says why."""


@dataclass(frozen=True, slots=True)
class AnalyzeRequest:
    inputs: Sequence[Path | str]  # str: a URL (hdfs://, s3a://, file://), read by --engine spark
    report: Path | None = None
    model: Path | None = None
    region: str = "IN"
    columns: dict[str, str] | None = None
    fmt: str | None = None
    kind: str | None = None
    platform: str | None = None
    workers: int = 0  # 0: one per core
    batch: int = 500
    media: bool = True
    images: Path | None = None
    fetch_images: bool = False
    allow_private_addresses: bool = False  # image downloads to loopback/private addresses (refused by default)
    link: bool = True
    quarantine_path: Path | None = None
    engine: str = "local"  # where the per-post stages run: "local" (this machine's cores) or "spark"
    spark_master: str | None = None  # --engine spark: the cluster (None: spark-submit's, else local[*])
    parquet: str | None = None  # --engine spark: also write posts, identifiers, hits and media as Parquet here


@dataclass(slots=True)
class AnalyzeResult:
    run_id: int
    counts: Counts
    quarantine_path: Path
    images_seen: int = 0
    images_rejected: int = 0
    changed: int = 0  # duplicate ids that came with different content (noted in the quarantine)
    passed_over: dict[str, int] = field(default_factory=dict)  # not records (stylesheets in a crawl...), by reason
    link: Any = None  # services.networks summary when linked
    report_index: Path | None = None


def check_request(req: AnalyzeRequest) -> None:
    """Refuse a run that cannot start, before anything is written."""
    from tipwatch.model import POST_KINDS
    from tipwatch.sources import FORMATS

    missing = [str(p) for p in req.inputs if not is_url(p) and not Path(p).exists()]
    if missing:
        raise AnalyzeError(f"input not found: {', '.join(missing)}")
    urls = [str(p) for p in req.inputs if is_url(p)]
    if urls and req.engine != "spark":
        raise AnalyzeError(f"URL inputs are read by --engine spark only: {', '.join(urls)}")
    if req.model is not None and not req.model.is_file():
        raise AnalyzeError(f"model file not found: {req.model}")
    if req.model is not None:
        from tipwatch.indicators.classifier import ClassifierError, check_model_file

        try:
            check_model_file(req.model)  # a pickle or foreign file: one line here, not a traceback from a worker
        except ClassifierError as exc:
            raise AnalyzeError(str(exc)) from None
    if req.kind is not None and req.kind not in POST_KINDS:
        raise AnalyzeError(f"--kind {req.kind!r} is not one of {', '.join(POST_KINDS)}")
    if req.fmt is not None and req.fmt not in FORMATS:
        raise AnalyzeError(f"--format {req.fmt!r} is not one of {', '.join(FORMATS)}")
    if req.engine not in ENGINES:
        raise AnalyzeError(f"--engine {req.engine!r} is not one of {', '.join(ENGINES)}")
    if req.engine != "spark" and (req.spark_master is not None or req.parquet is not None):
        raise AnalyzeError("--spark-master and --parquet go with --engine spark")
    if req.parquet is not None and "://" not in req.parquet:
        target = Path(req.parquet)
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            # Parts of an earlier run would mix with this one's; nothing is deleted for the user.
            raise AnalyzeError(f"--parquet {req.parquet}: must be a new or empty folder")
    if req.engine == "spark":
        import importlib.util

        if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("pyarrow") is None:
            raise AnalyzeError("--engine spark needs pyspark and pyarrow: install the spark extra (tipwatch[spark])")


def make_engine(req: AnalyzeRequest, workers: int, store_url: str | None = None) -> Engine:
    """The engine ``req`` asks for; every engine yields the same results in the same order (the local engine passes
    over the posts ``store_url`` already holds, which the store would count as duplicates all the same)."""
    if req.engine == "spark":
        from tipwatch.engines.spark import SparkEngine

        return SparkEngine(master=req.spark_master, parquet_dir=req.parquet)
    from tipwatch.engines.local import LocalEngine

    return LocalEngine(workers, store_url)


def analyze(
    store: Store,
    req: AnalyzeRequest,
    *,
    data_dir: Path = Path("tipwatch-data"),
    link_state_dir: Path | None = None,
    link_state_backend: str = "directory",
    expected: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    on_link_progress: Callable[[str, int, int], None] | None = None,
    on_counts: Callable[[Counts], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> AnalyzeResult:
    """Run ``req`` into ``store``. ``expected`` (an estimate of the records) only sizes the worker pool.

    ``on_counts`` gets the run's counts after each stored batch (they reconcile at every call); ``on_stage`` is told
    when linking and reporting start (the web app's ingest job shows both)."""
    from tipwatch.engines.local import default_workers
    from tipwatch.pipeline import Settings
    from tipwatch.services.matching import load_index
    from tipwatch.sources import ReadStats, SourceNotFound

    check_request(req)
    settings = Settings(
        region=req.region.upper(),
        model_path=str(req.model) if req.model else None,
        default_kind=req.kind,
        default_platform=req.platform,
        media=req.media,
        images_dir=str(req.images) if req.images else None,
        fetch_images=req.fetch_images,
        allow_private_addresses=req.allow_private_addresses,
    )
    media_index = None
    if req.media:
        media_index = load_index(store)
        if len(media_index) == 0:
            media_index = None
    n_workers = req.workers or default_workers()
    if expected is not None and expected < _MIN_BATCHES_FOR_WORKERS * req.batch:
        n_workers = 1
    stats = ReadStats()
    run_id = store.runs.start("analyze", [str(p) for p in req.inputs], str(req.model) if req.model else None)
    qpath = req.quarantine_path or ((req.report or data_dir) / "quarantine.jsonl")
    status = "failed"
    with open_quarantine_file(qpath) as qfile:
        sink = store.runs.sink(run_id, qfile)
        try:
            job = Job(settings, media_index, req.columns, req.fmt, req.batch)
            for results in make_engine(req, n_workers, store.url).run(req.inputs, job, stats):
                sink.write(results)
                if on_progress is not None:
                    on_progress(len(results))
                if on_counts is not None:
                    on_counts(sink.counts)
            status = "ok"
        except (EngineUnavailable, SourceNotFound) as exc:  # Spark cannot start; a URL input does not exist
            raise AnalyzeError(str(exc)) from None
        finally:
            store.runs.finish(run_id, sink.counts, status)
    result = AnalyzeResult(
        run_id,
        sink.counts,
        qpath,
        sink.images_seen,
        sink.images_rejected,
        sink.changed,
        dict(sorted(stats.skipped.items())),
    )
    if not result.counts.reconciles:
        return result  # the caller reports the failure; linking or reporting an unreconciled run would hide it
    if req.link:
        from tipwatch.services.networks import state_store, update_networks

        # Same code path as `tipwatch networks`: incremental over what is already linked.
        kept = state_store(store, link_state_dir, link_state_backend)
        if on_stage is not None:
            on_stage("linking")
        result.link = update_networks(store, state=kept, progress=on_link_progress)
    if req.report is not None:
        from tipwatch.services.report import write_report

        if on_stage is not None:
            on_stage("reporting")
        result.report_index = write_report(store, req.report)
    return result
