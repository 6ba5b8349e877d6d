"""`tipwatch networks` and `tipwatch evaluate-networks`: link posts into networks, write or score them.

Machine-friendly: JSON goes to the file (networks) or stdout (evaluate-networks); messages go to stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import typer

from tipwatch.cli.common import console, fail, stdout_write

if TYPE_CHECKING:
    from sqlalchemy import Engine

DB_HELP = "Database URL (default: TIPWATCH_DATABASE_URL or sqlite under ./tipwatch-data/)."
STATE_HELP = "Link state directory (default: beside the database)."
CONFIG_HELP = "Linking thresholds (YAML like the packaged tipwatch/link/link.yaml)."


def link_networks(db: str | None, rebuild: bool, state: Path | None, config: Path | None) -> Engine:
    from tipwatch.cli.progress import progress_bar
    from tipwatch.link.api import update_networks
    from tipwatch.link.config import load_config
    from tipwatch.store.db import open_engine

    if config is not None and not config.is_file():
        fail(f"config file not found: {config}")
    cfg = load_config(config)
    engine = open_engine(db)
    with progress_bar() as progress:
        task = progress.add_task("linking", total=None)

        def report(_stage: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = update_networks(engine, state_dir=state, config=cfg, rebuild=rebuild, progress=report)
    how = "full build" if summary.full else "incremental"
    console.print(
        f"linked {summary.new_posts} new of {summary.posts} posts ({how}, {summary.seconds:.1f}s): "
        f"{summary.networks} networks, {summary.networks_changed} updated, {summary.networks_removed} removed"
    )
    return engine


def networks(
    out: Path = typer.Option(..., "--out", help="Write one JSON line per network here."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    rebuild: bool = typer.Option(False, "--rebuild", help="Recompute all links instead of adding new posts."),
    no_update: bool = typer.Option(False, "--no-update", help="Write the stored networks without linking first."),
    profile: bool = typer.Option(False, "--profile", help="Add each network's profile to its line."),
    state: Path | None = typer.Option(None, "--state", help=STATE_HELP),
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Link posts into networks and write them, best first: {"network_id", "post_ids", "score", "reasons"}."""
    from tipwatch.link.api import iter_networks
    from tipwatch.store.db import open_engine

    engine = open_engine(db) if no_update else link_networks(db, rebuild, state, config)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(out, "wb") as fh:
        for net in iter_networks(engine, with_profile=profile):
            rec: dict[str, object] = {
                "network_id": net.network_id,
                "post_ids": net.post_ids,
                "score": net.score,
                "reasons": net.reasons,
            }
            if profile:
                rec["profile"] = net.profile
            fh.write(orjson.dumps(rec) + b"\n")
            n += 1
    console.print(f"wrote {n} networks to {out}")


def evaluate_networks(
    truth: Path = typer.Option(..., "--truth", help='Truth JSON lines: {"id", "network_id" (null: none)}.'),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    no_update: bool = typer.Option(False, "--no-update", help="Score the stored networks without linking first."),
    state: Path | None = typer.Option(None, "--state", help=STATE_HELP),
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Score the networks against a ground truth: pairwise precision/recall/F1, B-cubed F1, adjusted Rand index."""
    from sqlalchemy import select

    from tipwatch.link.evaluate import evaluate, read_truth
    from tipwatch.store.db import open_engine
    from tipwatch.store.link_tables import network_posts

    if not truth.is_file():
        fail(f"truth file not found: {truth}")
    try:
        true_nets, benign = read_truth(truth)
    except ValueError as exc:
        fail(str(exc))
        return
    engine = open_engine(db) if no_update else link_networks(db, False, state, config)
    with engine.connect() as conn:
        rows = conn.execute(select(network_posts.c.post_id, network_posts.c.network_id))
        # Truth files name posts by the input's own id; store keys carry a namespace (sources.convert.post_key).
        from tipwatch.sources.convert import source_id_of

        predicted = {(pid if pid in true_nets else source_id_of(pid)): nid for pid, nid in rows}
    stdout_write(json.dumps(evaluate(true_nets, predicted, benign), sort_keys=True))


def networks_export(
    fmt: str = typer.Option(..., "--format", help="graphml, gexf, csv (entities.csv + links.csv), ftm or stix."),
    out: Path = typer.Option(..., "--out", help="Output file (a directory for csv)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    network: list[str] | None = typer.Option(None, "--network", help="Only this network (repeatable)."),
    min_score: float = typer.Option(0.0, "--min-score", help="Only networks scoring at least this."),
) -> None:
    """Export networks for Gephi (GraphML, GEXF), i2/Maltego (CSV), Aleph (FollowTheMoney) or STIX 2.1 partners.

    Exports hold identifiers of possible victims as well as operators: share them under your partner agreement.
    """
    from tipwatch.link.exports import FORMATS, export
    from tipwatch.store.db import open_engine

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    graph = export(open_engine(db), fmt, out, network_ids=network or None, min_score=min_score)
    nets = len(graph.of_kind("network"))
    console.print(f"exported {nets} networks ({len(graph.nodes)} nodes, {len(graph.edges)} edges) to {out}")


watch_app = typer.Typer(
    help="Follow a phone, email, handle, wallet, URL, picture hash, keyword or network.", no_args_is_help=True
)


@watch_app.command("add")
def watch_add(
    kind: str = typer.Argument(..., help="phone, email, handle, wallet, url, image, keyword or network."),
    value: str = typer.Argument(..., help="The value as written; it is normalized like the extractor does."),
    note: str = typer.Option("", "--note", help="Why it is watched (case, source)."),
    by: str = typer.Option("", "--by", help="Who adds the watch."),
    region: str = typer.Option("IN", "--region", help="Default region for a phone without country code."),
    backfill: bool = typer.Option(False, "--backfill", help="Also raise alerts for posts already stored."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Watch a value: new posts that match it raise alerts (see `tipwatch alerts`)."""
    from tipwatch.link.watch import add_watch
    from tipwatch.link.watch import backfill as run_backfill
    from tipwatch.store.db import open_engine

    engine = open_engine(db)
    try:
        watch = add_watch(engine, kind, value, note=note, by=by, region=region.upper())
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"watch {watch.id}: {watch.kind} {watch.value}")
    if backfill:
        console.print(f"{run_backfill(engine, watch)} alerts for posts already stored")
    stdout_write(json.dumps({"id": watch.id, "kind": watch.kind, "value": watch.value}))


@watch_app.command("list")
def watch_list(db: str | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """List watches as JSON lines."""
    from tipwatch.link.watch import list_watches
    from tipwatch.store.db import open_engine

    for w in list_watches(open_engine(db)):
        stdout_write(json.dumps(w, default=str))


@watch_app.command("remove")
def watch_remove(
    watch_id: int = typer.Argument(..., help="The watch id."), db: str | None = typer.Option(None, "--db", help=DB_HELP)
) -> None:
    """Stop a watch (its alerts are kept)."""
    from tipwatch.link.watch import remove_watch
    from tipwatch.store.db import open_engine

    if not remove_watch(open_engine(db), watch_id):
        fail(f"no watch {watch_id}")
    console.print(f"watch {watch_id} stopped")


def alerts(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    show_all: bool = typer.Option(False, "--all", help="Also alerts already seen."),
    mark_seen: bool = typer.Option(False, "--mark-seen", help="Mark the listed alerts as seen."),
) -> None:
    """List alerts raised by watches, newest first, as JSON lines (post, watch, reason)."""
    from tipwatch.link.watch import list_alerts
    from tipwatch.store.db import open_engine

    rows = list_alerts(open_engine(db), unseen_only=not show_all, mark_seen=mark_seen)
    for row in rows:
        stdout_write(json.dumps(row, default=str))
    console.print(f"{len(rows)} alerts")


def trends(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    out: Path | None = typer.Option(None, "--out", help="Write the JSON here (default: stdout)."),
    candidates: Path | None = typer.Option(
        None, "--candidates", help="Write emerging terms as lexicon files (one per domain and language) in this folder."
    ),
    recent_weeks: int = typer.Option(4, "--recent-weeks", min=1, help="The recent window, in weeks."),
    baseline_weeks: int = typer.Option(12, "--baseline-weeks", min=1, help="The window before it, in weeks."),
) -> None:
    """Which terms are in use: indicators, terms and emoji per week, platform and place; emerging terms proposed as
    candidate lexicon entries for an analyst to review and accept (nothing is added to the lexicon by this)."""
    from tipwatch.link.trends import TrendConfig, candidate_lexicon
    from tipwatch.link.trends import trends as compute
    from tipwatch.store.db import open_engine

    result = compute(open_engine(db), TrendConfig(recent_weeks=recent_weeks, baseline_weeks=baseline_weeks))
    text = json.dumps(result, ensure_ascii=False, default=str)
    if out is None:
        stdout_write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    if candidates is not None:
        candidates.mkdir(parents=True, exist_ok=True)
        for name, body in candidate_lexicon(result["emerging"]).items():
            (candidates / name).write_text(body, encoding="utf-8")
    console.print(f"{len(result['emerging'])} emerging terms")
