"""`tipwatch retention`: enforce the retention policy (``retention_days`` in the configuration) and erase a person's
data on request (services.retention). A dry run by default: ``--apply`` deletes. Reports go to stdout as JSON."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import typer

from tipwatch.cli.common import DB_OPTION, config, console, open_store, refused, stdout_write

if TYPE_CHECKING:
    from tipwatch.store.facade import Store

app = typer.Typer(
    help="Data protection: retention per area with legal hold, and erasure on request.", no_args_is_help=True
)

BY = typer.Option(None, "--by", help="Who does it (default: the login name).")
STATE_HELP = "Link state directory (default: TIPWATCH_LINK_STATE, the config file, or beside the database)."


def _relinker(state: Path | None, db: str | None) -> Callable[[Store], object]:
    """A link rebuild using the configured link state (the same one `tipwatch networks` uses)."""
    from tipwatch.services.networks import state_store, update_networks

    settings = config(database_url=db)

    def relink(store: Store) -> object:
        backend = "directory" if state else settings.link_state_backend
        return update_networks(store, state=state_store(store, state or settings.link_state, backend), rebuild=True)

    return relink


def _json(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_NAIVE_UTC | orjson.OPT_INDENT_2).decode()


@app.command("run")
def retention_run(
    apply: bool = typer.Option(False, "--apply", help="Delete what is due (default: only count it)."),
    by: str | None = BY,
    state: Path | None = typer.Option(None, "--state", help=STATE_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Count (or with --apply delete) what the retention policy says is due; what is on legal hold stays."""
    from tipwatch.services.retention import RetentionError, run

    cfg = config(database_url=db)
    if not cfg.retention_days:
        console.print("no retention policy (retention_days in the configuration): everything is kept")
    with open_store(db, cfg) as store, refused(RetentionError):
        report = run(
            store,
            {str(k): v for k, v in cfg.retention_days.items()},
            actor=by or getpass.getuser(),
            apply=apply,
            relink=_relinker(state, db),
        )
    stdout_write(_json(asdict(report)))
    verb = "deleted" if apply else "due (dry run: --apply deletes)"
    for c in report.areas:
        console.print(f"{c.area}: {c.due} {verb}, {c.held} kept on legal hold")


@app.command("erase")
def retention_erase(
    identifier: str = typer.Option(..., "--identifier", help="TYPE:VALUE, e.g. phone:+919876543210."),
    why: str = typer.Option(..., "--why", help="The request's reference or reason (kept in the audit log)."),
    by: str | None = BY,
    state: Path | None = typer.Option(None, "--state", help=STATE_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Remove the posts in which this identifier appears (not those on legal hold); prints what was removed."""
    from tipwatch.services.retention import RetentionError, erase

    cfg = config(database_url=db)
    with open_store(db, cfg) as store, refused(RetentionError):
        report = erase(
            store,
            identifier,
            actor=by or getpass.getuser(),
            secret=cfg.server_secret(),
            why=why,
            relink=_relinker(state, db),
        )
    stdout_write(_json(asdict(report)))
    console.print(f"{len(report.removed_posts)} post(s) removed, {len(report.held_posts)} kept on legal hold")
