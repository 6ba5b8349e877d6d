"""Batch ingest as a background job (token scope "ingest", or analysts and above), and the jobs' state.

``POST /api/v1/ingest`` takes posts as JSON lines (application/x-ndjson) or one JSON array (application/json), the
fields ``tipwatch analyze`` reads from .jsonl, and answers 202 with the job and its Location at once; the job runs
``services.analyze`` (store, then link) on this worker's job thread. ``GET /api/v1/jobs/{id}`` shows its progress from
the store, so any server process (or the CLI) can answer. Callers see their own jobs; admins see everyone's."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from tipwatch.services import ingest, jobs
from tipwatch.services.accounts import has_role
from tipwatch.services.ingest import IngestError, IngestSettings
from tipwatch.services.jobs import Job, JobRunner
from tipwatch.web.auth import Principal, config_of, require_scope, store_of
from tipwatch.web.schemas.jobs import IngestAccepted, JobCountsOut, JobOut, JobPageOut, QuarantinedOut

router = APIRouter(prefix="/api/v1", tags=["ingest"])
IngestScope = Annotated[Principal, Depends(require_scope("ingest"))]
JobId = Annotated[int, Path(ge=1, le=2**62)]

JSON_LINES = frozenset(
    {"application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines"}
)
_runner_lock = threading.Lock()
_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Posts with the fields tipwatch analyze reads (title, body, id, platform, url, posted_at, ...)",
        "content": {
            "application/x-ndjson": {"schema": {"type": "string", "description": "one JSON object per line"}},
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        },
    }
}


def runner_of(request: Request) -> JobRunner:
    """This worker process's job runner, started on first use (closed with the app)."""
    runner: JobRunner | None = getattr(request.app.state, "job_runner", None)
    if runner is None:
        with _runner_lock:
            runner = getattr(request.app.state, "job_runner", None)
            if runner is None:
                runner = JobRunner(store_of(request))
                request.app.state.job_runner = runner
    return runner


def job_out(job: Job) -> JobOut:
    c = job.counts
    d = job.details
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        phase=job.phase,
        submitted_by=job.submitted_by,
        submitted_at=job.submitted_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        counts=JobCountsOut(
            read=c.read,
            stored=c.stored,
            duplicates=c.duplicates,
            quarantined=c.quarantined,
            reconciles=c.read == c.stored + c.duplicates + c.quarantined,
        ),
        run_id=job.run_id,
        format=d.get("format"),
        bytes=d.get("bytes"),
        linked=bool(d.get("linked")),
        link=d.get("link"),
        quarantined=[QuarantinedOut(**q) for q in d.get("quarantine", [])],
        quarantine_total=int(d.get("quarantine_total", c.quarantined)),
        error=job.error,
    )


def _sees_all(principal: Principal) -> bool:
    return principal.kind == "user" and has_role(principal.role, "admin")


def _format(request: Request) -> str:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in JSON_LINES:
        return "jsonl"
    if kind == "application/json":
        return "json"
    raise HTTPException(status_code=415, detail="send application/x-ndjson (JSON lines) or application/json (array)")


@router.post(
    "/ingest",
    status_code=202,
    response_model=IngestAccepted,
    summary="Ingest a batch of posts as a background job",
    responses={400: {"description": "not a batch"}, 413: {"description": "body too large"}},
    openapi_extra=_OPENAPI,
)
async def ingest_batch(
    principal: IngestScope,
    request: Request,
    response: Response,
    platform: Annotated[
        str | None, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$", description="Platform of posts naming none")
    ] = None,
) -> IngestAccepted:
    fmt = _format(request)
    try:
        body = await request.body()  # the size limit (413) is the BodySizeLimit middleware's
    except ClientDisconnect:
        raise HTTPException(status_code=400, detail="the client disconnected") from None
    config = config_of(request)
    settings = IngestSettings(
        data_dir=config.data_dir, link_state_dir=config.link_state, link_state_backend=config.link_state_backend
    )
    runner = await run_in_threadpool(runner_of, request)
    try:
        job = await run_in_threadpool(
            ingest.submit,
            store_of(request),
            runner,
            body,
            fmt,
            actor=principal.actor,
            settings=settings,
            platform=(platform or "").strip().lower() or None,
        )
    except IngestError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    location = f"/api/v1/jobs/{job.id}"
    response.headers["Location"] = location
    return IngestAccepted(job=job_out(job), location=location)


@router.get("/jobs", response_model=JobPageOut, summary="Your jobs, newest first (admins: everyone's)")
def list_jobs(
    principal: IngestScope,
    request: Request,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JobPageOut:
    mine = None if _sees_all(principal) else principal.actor
    items, total = jobs.list_jobs(store_of(request), submitted_by=mine, offset=offset, limit=limit)
    return JobPageOut(items=[job_out(j) for j in items], total=total, offset=offset, limit=limit)


@router.get("/jobs/{job_id}", response_model=JobOut, summary="A job's status and progress")
def show_job(principal: IngestScope, request: Request, job_id: JobId) -> JobOut:
    job = jobs.get_job(store_of(request), job_id)
    if job is None or (job.submitted_by != principal.actor and not _sees_all(principal)):
        raise HTTPException(status_code=404, detail=f"no job {job_id} of yours")
    return job_out(job)
