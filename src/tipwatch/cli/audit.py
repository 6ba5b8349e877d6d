"""`tipwatch audit verify`: check the audit log's hash chain (exit 0: intact; exit 1: the first bad entry and why)."""

from __future__ import annotations

import typer

from tipwatch.cli.common import DB_OPTION, console, fail, open_store, stdout_write

app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@app.command("verify")
def verify(db: str | None = DB_OPTION) -> None:
    """Walk the chain; name the first entry that was edited, deleted or moved."""
    from tipwatch.services.audit import verify as _verify

    with open_store(db) as store:
        verdict = _verify(store)
    if not verdict.ok:
        fail(verdict.message())
    stdout_write(verdict.message())


@app.command("show")
def show(limit: int = typer.Option(50, "--limit", min=1, max=500), db: str | None = DB_OPTION) -> None:
    """Print the newest entries as JSON lines, newest first."""
    import orjson

    from tipwatch.services.audit import page

    with open_store(db) as store:
        for e in page(store, limit=limit):
            row = {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "why": e.why,
                "details": e.details,
                "hash": e.hash,
            }
            stdout_write(orjson.dumps(row).decode())
    console.print("(newest first)")
