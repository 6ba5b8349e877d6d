"""`tipwatch networks` and `tipwatch evaluate-networks`: link posts into networks, write or score them.

Machine-friendly: JSON goes to the file (networks) or stdout (evaluate-networks); messages go to stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import typer

from tipwatch.cli.common import DB_OPTION, console, fail, link_summary_line, open_store, refused, stdout_write
from tipwatch.cli.common import config as app_config
from tipwatch.cli.export_level import GROUP, LEVEL, PURPOSE, export_ask

if TYPE_CHECKING:
    from tipwatch.store.facade import Store

STATE_HELP = "Link state directory (default: TIPWATCH_LINK_STATE, the config file, or beside the database)."
CONFIG_HELP = "Linking thresholds (YAML like the packaged tipwatch/link/link.yaml)."


def link_networks(
    db: str | None,
    rebuild: bool,
    state: Path | None,
    config: Path | None,
    engine: str = "local",
    spark_master: str | None = None,
    parquet: str | None = None,
) -> Store:
    """Open the store and bring its networks up to date, with a progress bar and a summary line."""
    from tipwatch.cli.progress import progress_bar
    from tipwatch.engines.base import EngineUnavailable
    from tipwatch.link.config import load_config
    from tipwatch.services.networks import ENGINES, LinkEngine, ParquetMismatch, state_store, update_networks

    if engine not in ENGINES:
        raise typer.BadParameter(f"{engine!r} is not one of {', '.join(ENGINES)}", param_hint="--engine")
    if engine != "spark" and (spark_master or parquet):
        raise typer.BadParameter("--spark-master and --parquet need --engine spark", param_hint="--engine")

    if config is not None and not config.is_file():
        fail(f"config file not found: {config}")
    cfg = load_config(config)
    settings = app_config(database_url=db)
    store = open_store(db, settings)
    # --state names a directory; otherwise the configuration says where the state lives.
    backend = "directory" if state else settings.link_state_backend
    kept = state_store(store, state or settings.link_state, backend)
    with progress_bar() as progress:
        task = progress.add_task("linking", total=None)

        def report(_stage: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            summary = update_networks(
                store,
                state=kept,
                config=cfg,
                rebuild=rebuild,
                progress=report,
                engine=LinkEngine(engine, spark_master, parquet),
            )
        except (EngineUnavailable, ParquetMismatch) as exc:
            fail(str(exc))
    console.print(link_summary_line(summary))
    return store


def networks(
    out: Path = typer.Option(..., "--out", help="Write one JSON line per network here."),
    db: str | None = DB_OPTION,
    rebuild: bool = typer.Option(False, "--rebuild", help="Recompute all links instead of adding new posts."),
    no_update: bool = typer.Option(False, "--no-update", help="Write the stored networks without linking first."),
    profile: bool = typer.Option(False, "--profile", help="Add each network's profile to its line."),
    state: Path | None = typer.Option(None, "--state", help=STATE_HELP),
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
    engine: str = typer.Option("local", "--engine", help="Where linking runs: local (this machine) or spark."),
    spark_master: str | None = typer.Option(
        None, "--spark-master", help="Spark master URL (spark://host:7077, yarn, local[4]); default: spark-submit's."
    ),
    parquet: str | None = typer.Option(
        None, "--parquet", help="With --engine spark: read the posts from the Parquet that analyze --parquet wrote."
    ),
) -> None:
    """Link posts into networks and write them, best first: {"network_id", "post_ids", "score", "reasons"}."""
    from tipwatch.services.networks import iter_networks

    store = open_store(db) if no_update else link_networks(db, rebuild, state, config, engine, spark_master, parquet)
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(out, "wb") as fh:
        for net in iter_networks(store, with_profile=profile):
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
    db: str | None = DB_OPTION,
    no_update: bool = typer.Option(False, "--no-update", help="Score the stored networks without linking first."),
    state: Path | None = typer.Option(None, "--state", help=STATE_HELP),
    config: Path | None = typer.Option(None, "--config", help=CONFIG_HELP),
) -> None:
    """Score the networks against a ground truth: pairwise precision/recall/F1, B-cubed F1, adjusted Rand index."""
    from tipwatch.link.evaluate import read_truth
    from tipwatch.services.networks import evaluate_networks as score

    if not truth.is_file():
        fail(f"truth file not found: {truth}")
    try:
        true_nets, benign = read_truth(truth)
    except ValueError as exc:
        fail(str(exc))
        return
    store = open_store(db) if no_update else link_networks(db, False, state, config)
    stdout_write(json.dumps(score(store, true_nets, benign), sort_keys=True))


def networks_export(
    fmt: str = typer.Option(..., "--format", help="graphml, gexf, csv (entities.csv + links.csv), ftm or stix."),
    out: Path = typer.Option(..., "--out", help="Output file (a directory for csv)."),
    db: str | None = DB_OPTION,
    network: list[str] | None = typer.Option(None, "--network", help="Only this network (repeatable)."),
    min_score: float = typer.Option(0.0, "--min-score", help="Only networks scoring at least this."),
    level: str = LEVEL,
    purpose: str = PURPOSE,
    group: str | None = GROUP,
    by: str | None = typer.Option(None, "--by", help="Who exports (default: the login name)."),
) -> None:
    """Export networks for Gephi (GraphML, GEXF), i2/Maltego (CSV), Aleph (FollowTheMoney) or STIX 2.1 partners.

    Redacted by default (identifiers and names masked); --level full needs --purpose. Audited with the level.
    """
    from tipwatch.link.exports import FORMATS
    from tipwatch.services.exports import RedactionRefused, export_networks

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    cfg = app_config(database_url=db)
    with open_store(db, cfg) as store, refused(RedactionRefused):
        graph = export_networks(
            store,
            cfg.server_secret(),
            fmt,
            out,
            export_ask(level, purpose, group, by),
            network_ids=network or None,
            min_score=min_score,
        )
    nets = len(graph.of_kind("network"))
    console.print(f"exported {nets} networks ({len(graph.nodes)} nodes, {len(graph.edges)} edges) at {level} to {out}")


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
    db: str | None = DB_OPTION,
) -> None:
    """Watch a value: new posts that match it raise alerts (see `tipwatch alerts`)."""
    from tipwatch.services import watches

    store = open_store(db)
    try:
        watch = watches.add(store, kind, value, note=note, by=by, region=region.upper())
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"watch {watch.id}: {watch.kind} {watch.value}")
    if backfill:
        console.print(f"{watches.backfill(store, watch)} alerts for posts already stored")
    stdout_write(json.dumps({"id": watch.id, "kind": watch.kind, "value": watch.value}))


@watch_app.command("list")
def watch_list(db: str | None = DB_OPTION) -> None:
    """List watches as JSON lines."""
    from tipwatch.services.watches import list_watches

    for w in list_watches(open_store(db)):
        stdout_write(json.dumps(w, default=str))


@watch_app.command("remove")
def watch_remove(watch_id: int = typer.Argument(..., help="The watch id."), db: str | None = DB_OPTION) -> None:
    """Stop a watch (its alerts are kept)."""
    from tipwatch.services.watches import remove

    if not remove(open_store(db), watch_id):
        fail(f"no watch {watch_id}")
    console.print(f"watch {watch_id} stopped")


def alerts(
    db: str | None = DB_OPTION,
    show_all: bool = typer.Option(False, "--all", help="Also alerts already seen."),
    mark_seen: bool = typer.Option(False, "--mark-seen", help="Mark the listed alerts as seen."),
) -> None:
    """List alerts raised by watches, newest first, as JSON lines (post, watch, reason)."""
    from tipwatch.services.watches import alerts as list_alerts

    rows = list_alerts(open_store(db), unseen_only=not show_all, mark_seen=mark_seen)
    for row in rows:
        stdout_write(json.dumps(row, default=str))
    console.print(f"{len(rows)} alerts")


def trends(
    db: str | None = DB_OPTION,
    out: Path | None = typer.Option(None, "--out", help="Write the JSON here (default: stdout)."),
    candidates: Path | None = typer.Option(
        None, "--candidates", help="Write emerging terms as lexicon files (one per domain and language) in this folder."
    ),
    recent_weeks: int = typer.Option(4, "--recent-weeks", min=1, help="The recent window, in weeks."),
    baseline_weeks: int = typer.Option(12, "--baseline-weeks", min=1, help="The window before it, in weeks."),
) -> None:
    """Which terms are in use: indicators, terms and emoji per week, platform and place; emerging terms proposed as
    candidate lexicon entries for an analyst to review and accept (nothing is added to the lexicon by this)."""
    from tipwatch.link.trends import TrendConfig
    from tipwatch.services.trends import trends as compute
    from tipwatch.services.trends import write_candidates

    result = compute(open_store(db), TrendConfig(recent_weeks=recent_weeks, baseline_weeks=baseline_weeks))
    text = json.dumps(result, ensure_ascii=False, default=str)
    if out is None:
        stdout_write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    if candidates is not None:
        write_candidates(result, candidates)
    console.print(f"{len(result['emerging'])} emerging terms")
