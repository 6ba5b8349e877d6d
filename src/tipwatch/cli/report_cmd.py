"""`tipwatch report --out DIR`: write the HTML report and exports from what is in the store."""

from __future__ import annotations

from pathlib import Path

import typer

from tipwatch.cli.common import DB_OPTION, console, open_store


def report(
    out: Path = typer.Option(..., "--out", help="Folder for index.html, posts.csv, posts.jsonl."),
    db: str | None = DB_OPTION,
    top: int = typer.Option(200, "--top", min=1, help="How many ranked posts to show."),
    min_risk: float = typer.Option(0.0, "--min-risk", min=0.0, max=1.0, help="Show only posts at or above this risk."),
) -> None:
    """Write the HTML report (ranked leads with reasons, charts) and CSV/JSONL exports from the store."""
    from tipwatch.services.report import write_report

    with open_store(db) as store:
        index = write_report(store, out, top=top, min_risk=min_risk)
    console.print(f"report: {index}")
