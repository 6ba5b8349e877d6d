"""Background job table (migration 0009_jobs): one row per job (today: the API's batch ingest), its state and
progress, so that every server process and the CLI read the same state.

``owner`` names the process running the job (host, pid and a random token) and ``heartbeat_at`` is refreshed by
it while the job is queued or running: a job whose owner is gone is marked failed instead of staying "running".
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Index, Integer, String, Table, Text

from tipwatch.store.tables import metadata

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # ingest
    Column("status", String(16), nullable=False),  # queued, running, done, failed
    Column("phase", String(32), nullable=False),  # what it is doing now: queued, storing, linking, finished
    Column("submitted_by", String(200), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("run_id", Integer),
    Column("read", Integer, nullable=False),
    Column("stored", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    # Input facts, the quarantined records' positions and reasons, the link summary: JSON.
    Column("details", JSON, nullable=False),
    Column("error", Text),
    Index("ix_jobs_submitted_by", "submitted_by"),
    Index("ix_jobs_status", "status"),
)
