"""`tipwatch review`: take the next post to review, decide it (services.review). ``--json`` prints JSON on stdout;
messages go to stderr. A refused request (no reason, unknown post, held by another reviewer) exits 2."""

from __future__ import annotations

import orjson
import typer

from tipwatch.cli.common import DB_OPTION, console, open_store, refused, stdout_write

app = typer.Typer(help="The review queue: posts by risk, decided with a reason.", no_args_is_help=True)


def _json(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_NAIVE_UTC).decode()


@app.command("next")
def next_cmd(
    reviewer: str = typer.Option(..., "--reviewer", help="Who reviews."),
    min_risk: float | None = typer.Option(None, "--min-risk", min=0.0, max=1.0),
    platform: str | None = typer.Option(None, "--platform"),
    run: int | None = typer.Option(None, "--run", help="Only posts stored by this run."),
    lease: int = typer.Option(600, "--lease", help="Seconds the post stays yours.", min=1, max=86400),
    as_json: bool = typer.Option(False, "--json", help="The post and its lease as JSON (null when none is left)."),
    db: str | None = DB_OPTION,
) -> None:
    """Hand the reviewer the post they hold, or the highest-risk undecided post nobody holds."""
    from tipwatch.services.review import QueueFilters, ReviewError, next_for

    filters = QueueFilters(min_risk=min_risk, platform=platform, run=run)
    with open_store(db) as store, refused(ReviewError):
        item = next_for(store, reviewer, filters=filters, lease_seconds=lease)
    if as_json:
        stdout_write(_json(item))
        return
    if item is None:
        console.print("nothing left to review")
        return
    p = item.post
    stdout_write(f"{p.id}\trisk {p.risk:.2f}\t{p.platform or '-'}\t{p.title}")
    stdout_write(p.body)
    console.print(f"held by {item.lease.reviewer} until {item.lease.expires_at:%Y-%m-%d %H:%M:%S} UTC")


@app.command("decide")
def decide_cmd(
    post_id: str = typer.Argument(..., help="The post id."),
    reviewer: str = typer.Option(..., "--reviewer", help="Who decides."),
    decision: str = typer.Option(..., "--decision", help="escalate, dismiss or needs_info (or e, d, n)."),
    reason: str = typer.Option(..., "--reason", help="Why (required; kept with the decision)."),
    db: str | None = DB_OPTION,
) -> None:
    """Record a decision with its reason; escalate and dismiss also become training labels (1, 0)."""
    from tipwatch.services.review import ReviewError, decide

    with open_store(db) as store, refused(ReviewError):
        d = decide(store, reviewer, post_id, decision, reason)
    label = "no label" if d.label is None else f"label {d.label}"
    console.print(f"{post_id}: {d.decision} by {d.reviewer} ({label})")


@app.command("stats")
def stats_cmd(db: str | None = DB_OPTION) -> None:
    """Queue counts as JSON: total, undecided, held, decided per latest decision."""
    from tipwatch.services.review import stats

    with open_store(db) as store:
        stdout_write(_json(stats(store)))
