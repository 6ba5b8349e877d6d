"""JobStore on SQLAlchemy: the ``jobs`` table (store/job_tables.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from tipwatch.store.interface.jobs import UNFINISHED, Job, JobCounts, JobStore
from tipwatch.store.job_tables import jobs

FINISHED = ("done", "failed")


def _utc(ts: datetime | None) -> datetime | None:
    if ts is None:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _job(row: Any) -> Job:
    return Job(
        id=int(row.id),
        kind=row.kind,
        status=row.status,
        phase=row.phase,
        submitted_by=row.submitted_by,
        submitted_at=_utc(row.submitted_at),  # type: ignore[arg-type]
        started_at=_utc(row.started_at),
        finished_at=_utc(row.finished_at),
        heartbeat_at=_utc(row.heartbeat_at),  # type: ignore[arg-type]
        owner=row.owner,
        run_id=row.run_id,
        counts=JobCounts(int(row.read), int(row.stored), int(row.duplicates), int(row.quarantined)),
        details=dict(row.details or {}),
        error=row.error,
    )


class SqlJobs(JobStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, kind: str, *, submitted_by: str, owner: str, details: Mapping[str, Any], at: datetime) -> Job:
        with self._engine.begin() as conn:
            row = conn.execute(
                insert(jobs)
                .values(
                    kind=kind,
                    status="queued",
                    phase="queued",
                    submitted_by=submitted_by,
                    submitted_at=at,
                    heartbeat_at=at,
                    owner=owner,
                    read=0,
                    stored=0,
                    duplicates=0,
                    quarantined=0,
                    details=dict(details),
                )
                .returning(*jobs.c)
            ).one()
        return _job(row)

    def get(self, job_id: int) -> Job | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return None if row is None else _job(row)

    def page(self, *, submitted_by: str | None, offset: int, limit: int) -> tuple[list[Job], int]:
        query = select(jobs)
        count = select(func.count()).select_from(jobs)
        if submitted_by is not None:
            query = query.where(jobs.c.submitted_by == submitted_by)
            count = count.where(jobs.c.submitted_by == submitted_by)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(jobs.c.id.desc()).offset(offset).limit(limit)).all()
            total = int(conn.execute(count).scalar_one())
        return [_job(r) for r in rows], total

    def update(
        self,
        job_id: int,
        *,
        at: datetime,
        status: str | None = None,
        phase: str | None = None,
        counts: JobCounts | None = None,
        run_id: int | None = None,
        details: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {"heartbeat_at": at}
        if status is not None:
            values["status"] = status
            if status == "running":
                values["started_at"] = at
            elif status in FINISHED:
                values["finished_at"] = at
        if phase is not None:
            values["phase"] = phase
        if counts is not None:
            values.update(
                read=counts.read, stored=counts.stored, duplicates=counts.duplicates, quarantined=counts.quarantined
            )
        if run_id is not None:
            values["run_id"] = run_id
        if details is not None:
            values["details"] = dict(details)
        if error is not None:
            values["error"] = error
        statement = update(jobs).where(jobs.c.id == job_id, jobs.c.status.in_(UNFINISHED)).values(**values)
        with self._engine.begin() as conn:
            return bool(conn.execute(statement).rowcount)

    def heartbeat(self, owner: str, at: datetime) -> int:
        statement = update(jobs).where(jobs.c.owner == owner, jobs.c.status.in_(UNFINISHED)).values(heartbeat_at=at)
        with self._engine.begin() as conn:
            return int(conn.execute(statement).rowcount)

    def unfinished(self) -> list[Job]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(jobs).where(jobs.c.status.in_(UNFINISHED)).order_by(jobs.c.id)).all()
        return [_job(r) for r in rows]

    def fail(self, job_ids: Sequence[int], *, error: str, at: datetime) -> int:
        if not job_ids:
            return 0
        statement = (
            update(jobs)
            .where(jobs.c.id.in_(list(job_ids)), jobs.c.status.in_(UNFINISHED))
            .values(status="failed", phase="finished", error=error, finished_at=at, heartbeat_at=at)
        )
        with self._engine.begin() as conn:
            return int(conn.execute(statement).rowcount)
