"""Batch ingest for the web API: a batch of posts (JSON lines or a JSON array, the fields ``tipwatch analyze`` reads
from .jsonl) becomes a background job that runs ``services.analyze`` on it (read, analyze, store, link), with its
progress and outcome kept in ``store.jobs``.

The body is written to a file in the job's own folder (``data_dir/jobs/<id>/ingest.json``) and read back by the same
readers as the CLI, so records are checked, quarantined and counted exactly as ``tipwatch analyze`` does: at the end
``read = stored + duplicates + quarantined``. Posts without a platform get ids in the namespace ``ingest.json``.
Relative image paths resolve inside the job's folder only (nothing else of the server can be read) and no image is
downloaded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tipwatch.services import audit
from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.services.jobs import JobRunner, owner_id
from tipwatch.sources.jsonl import json_type_name, loads_exact
from tipwatch.store.facade import Store
from tipwatch.store.interface.jobs import Job, JobCounts
from tipwatch.store.interface.runs import Counts

__all__ = ["FORMATS", "IngestError", "IngestSettings", "check_body", "discard_leftovers", "submit"]

# Body formats: JSON lines (one post per line) or one JSON array of posts.
FORMATS = ("jsonl", "json")
INPUT_NAME = "ingest.json"  # a .json file: the reader takes an array or lines, and the id namespace is one name
# Quarantined records listed in the job (all of them are in the quarantine table and the job's quarantine.jsonl).
LISTED_QUARANTINE = 1000
BATCH = 200  # records per stored batch: the job's progress moves at least this often


class IngestError(ValueError):
    """The body cannot be a batch (the message says why; the API answers 400)."""


@dataclass(frozen=True, slots=True)
class IngestSettings:
    """Where jobs keep their files and where the link state is (from the server's configuration)."""

    data_dir: Path
    link_state_dir: Path | None = None
    link_state_backend: str = "directory"
    region: str = "IN"


def check_body(body: bytes, fmt: str) -> None:
    """Refuse a body that is not a batch at all. Bad records inside a good batch are not refused here: they are
    quarantined with their position and reason, as ``tipwatch analyze`` does."""
    if fmt not in FORMATS:
        raise IngestError(f"unknown batch format {fmt!r}: one of {', '.join(FORMATS)}")
    text = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise IngestError("empty body: send posts as JSON lines (application/x-ndjson) or a JSON array")
    if fmt == "jsonl":
        if text.startswith(b"["):
            raise IngestError("the body is a JSON array: send it as application/json (or one post per line)")
        return
    try:
        value = loads_exact(body)
    except (ValueError, RecursionError) as exc:
        raise IngestError(f"the body is not valid JSON ({str(exc)[:200]})") from None
    if not isinstance(value, list):
        raise IngestError(f"expected a JSON array of posts, got {json_type_name(value)} (JSON lines: x-ndjson)")
    if not value:
        raise IngestError("empty array: no posts to ingest")


def _summary(link: Any) -> dict[str, Any] | None:
    if link is None:
        return None
    fields = ("posts", "new_posts", "networks", "networks_changed", "networks_removed", "alerts")
    return {name: getattr(link, name) for name in fields if hasattr(link, name)}


def _quarantine_list(path: Path) -> tuple[list[dict[str, str]], int]:
    """Positions and reasons of the run's quarantined records (the first LISTED_QUARANTINE), and how many in all."""
    listed: list[dict[str, str]] = []
    total = 0
    if not path.is_file():
        return listed, total
    with path.open("rb") as fh:
        for line in fh:
            total += 1
            if len(listed) < LISTED_QUARANTINE:
                item = orjson.loads(line)
                listed.append({"position": str(item.get("position", "")), "reason": str(item.get("reason", ""))})
    return listed, total


def submit(
    store: Store,
    runner: JobRunner,
    body: bytes,
    fmt: str,
    *,
    actor: str,
    settings: IngestSettings,
    platform: str | None = None,
    why: str = "",
) -> Job:
    """Check the body, record a queued job, write the batch to its folder and hand it to ``runner``; audited
    (``ingest.submit``)."""
    check_body(body, fmt)
    details: dict[str, Any] = {"format": fmt, "bytes": len(body), "platform": platform}
    job = store.jobs.create("ingest", submitted_by=actor, owner=owner_id(), details=details, at=datetime.now(UTC))
    folder = settings.data_dir / "jobs" / str(job.id)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / INPUT_NAME).write_bytes(body)
    except OSError as exc:
        error = f"cannot keep the batch: {exc.strerror or exc}"
        store.jobs.update(job.id, at=datetime.now(UTC), status="failed", phase="finished", error=error)
        raise
    audit.append(store, actor, "ingest.submit", f"job:{job.id}", why, details)
    runner.submit(
        job.id, lambda: run(store, job.id, folder, actor=actor, settings=settings, platform=platform, why=why)
    )
    return store.jobs.get(job.id) or job


def run(
    store: Store,
    job_id: int,
    folder: Path,
    *,
    actor: str,
    settings: IngestSettings,
    platform: str | None = None,
    why: str = "",
) -> None:
    """Run one ingest job to its end (done or failed); never raises (the job's ``error`` says what went wrong)."""
    job = store.jobs.get(job_id)
    details: dict[str, Any] = dict(job.details) if job else {}
    counts = JobCounts()

    def progress(now: Counts) -> None:
        counts.read, counts.stored = now.read, now.stored
        counts.duplicates, counts.quarantined = now.duplicates, now.quarantined
        store.jobs.update(job_id, at=datetime.now(UTC), counts=counts)

    def stage(name: str) -> None:
        store.jobs.update(job_id, at=datetime.now(UTC), phase=name)

    if not store.jobs.update(job_id, at=datetime.now(UTC), status="running", phase="storing"):
        return  # failed meanwhile (abandoned by a stopped process)
    request = AnalyzeRequest(
        inputs=[folder / INPUT_NAME],
        region=settings.region,
        fmt="jsonl",
        platform=platform,
        workers=1,  # in the server's process: no pool of worker processes per batch
        batch=BATCH,
        quarantine_path=folder / "quarantine.jsonl",
    )
    status, error = "failed", None
    try:
        result = analyze(
            store,
            request,
            data_dir=settings.data_dir,
            link_state_dir=settings.link_state_dir,
            link_state_backend=settings.link_state_backend,
            on_counts=progress,
            on_stage=stage,
        )
        progress(result.counts)
        details["run_id"] = result.run_id
        details["linked"] = result.link is not None
        details["link"] = _summary(result.link)
        if result.counts.reconciles:
            status = "done"
        else:
            error = "the counts do not reconcile (read != stored + duplicates + quarantined): nothing was linked"
    except Exception as exc:  # the job must end failed with a reason, never stay running
        error = f"{type(exc).__name__}: {str(exc)[:500]}"
    listed, total = _quarantine_list(folder / "quarantine.jsonl")
    details["quarantine"] = listed
    details["quarantine_total"] = total
    store.jobs.update(
        job_id,
        at=datetime.now(UTC),
        status=status,
        phase="finished",
        counts=counts,
        run_id=details.get("run_id"),
        details=details,
        error=error,
    )
    (folder / INPUT_NAME).unlink(missing_ok=True)  # the posts keep their raw input; the quarantine file stays
    audit.append(
        store,
        actor,
        "ingest",
        f"job:{job_id}",
        why,
        {"status": status, "run_id": details.get("run_id"), **asdict(counts)},
    )


def discard_leftovers(store: Store, data_dir: Path) -> int:
    """Remove the batch files of jobs that are no longer queued or running (a server stopped in the middle of them):
    the posts they stored keep their raw input, and a batch of personal data is not left lying in data_dir.
    Returns how many were removed."""
    folder = data_dir / "jobs"
    if not folder.is_dir():
        return 0
    live = {job.id for job in store.jobs.unfinished()}
    removed = 0
    for path in folder.glob(f"*/{INPUT_NAME}"):
        if path.parent.name.isdigit() and int(path.parent.name) not in live:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
