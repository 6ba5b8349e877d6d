"""`tipwatch jobs ...`: the background jobs of the web app (batch ingest) as the store has them, from any machine
sharing the database."""

from __future__ import annotations

import typer

from tipwatch.cli.common import DB_OPTION, fail, open_store, stdout_write

app = typer.Typer(help="Background jobs of the web app (batch ingest): status and progress.", no_args_is_help=True)


@app.command("list")
def list_(
    by: str | None = typer.Option(None, "--by", help="Only this submitter's (as the audit log names it: user:NAME)."),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    db: str | None = DB_OPTION,
) -> None:
    """Print jobs as JSON lines, newest first."""
    import orjson

    from tipwatch.services.jobs import job_json, list_jobs

    with open_store(db) as store:
        items, _total = list_jobs(store, submitted_by=by, limit=limit)
    for job in items:
        stdout_write(orjson.dumps(job_json(job)).decode())


@app.command("show")
def show(job_id: int = typer.Argument(..., min=1), db: str | None = DB_OPTION) -> None:
    """Print one job as JSON (with the quarantined records' positions and reasons)."""
    import orjson

    from tipwatch.services.jobs import get_job, job_json

    with open_store(db) as store:
        job = get_job(store, job_id)
    if job is None:
        fail(f"no job {job_id}")
        return
    stdout_write(orjson.dumps(job_json(job)).decode())
