"""`tipwatch label` records a reviewer's decision; `tipwatch labels-export` turns decisions into training data."""

from __future__ import annotations

from pathlib import Path

import typer

from tipwatch.cli.common import DB_OPTION, console, fail, open_store


def label(
    post_ids: list[str] = typer.Argument(..., help="Post ids to label."),
    value: int = typer.Option(..., "--label", help="1: trafficking-indicative, 0: not.", min=0, max=1),
    author: str = typer.Option(..., "--author", help="Who decided (kept with the label)."),
    note: str = typer.Option("", "--note", help="Why."),
    db: str | None = DB_OPTION,
) -> None:
    """Record a reviewer's decision on posts. Decisions become training labels (`tipwatch labels-export`)."""
    from tipwatch.services.labels import UnknownPosts, add_labels

    with open_store(db) as store:
        try:
            n = add_labels(store, post_ids, value, author=author, origin="reviewer", note=note)
        except UnknownPosts as exc:
            fail(str(exc))
    console.print(f"labelled {n} post(s) {value} by {author}")


def labels_export(
    out: Path = typer.Option(..., "--out", help="JSON lines: id, kind, title, body, label, author."),
    db: str | None = DB_OPTION,
) -> None:
    """Write every labelled post (latest decision) for `tipwatch train --text-col title,body --label-col label`."""
    from tipwatch.services.labels import export_training_rows

    with open_store(db) as store:
        n = export_training_rows(store, out)
    console.print(f"{n} labelled post(s) written to {out}")
