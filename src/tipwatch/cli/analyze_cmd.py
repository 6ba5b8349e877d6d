"""`tipwatch analyze INPUT...`: read, analyze, store, report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from tipwatch.cli.common import console, fail
from tipwatch.cli.progress import estimate_records, progress_bar


def parse_columns(spec: str | None) -> dict[str, str] | None:
    """``body=ad_text,title=headline`` -> {"body": "ad_text", "title": "headline"}."""
    if not spec:
        return None
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        ours, sep, theirs = part.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise typer.BadParameter(f"expected FIELD=COLUMN, got {part!r}", param_hint="--columns")
        mapping[ours.strip()] = theirs.strip()
    return mapping


def analyze(
    inputs: list[Path] = typer.Argument(..., help="JSONL, CSV, WARC(.gz) files or folders of saved HTML pages."),
    db: str | None = typer.Option(
        None, "--db", help="Database URL (default: TIPWATCH_DATABASE_URL or sqlite under ./tipwatch-data/)."
    ),
    report: Path | None = typer.Option(None, "--report", help="Write the HTML report and CSV/JSONL exports here."),
    model: Path | None = typer.Option(None, "--model", help="A classifier trained with `tipwatch train`."),
    region: str = typer.Option("IN", "--region", help="Default region for phone numbers without a country code."),
    columns: str | None = typer.Option(None, "--columns", help="CSV column mapping, e.g. body=ad_text,title=head."),
    fmt: str | None = typer.Option(None, "--format", help="Force the input format: jsonl, csv, tsv, html, warc."),
    kind: str | None = typer.Option(None, "--kind", help="Post kind for records that do not say."),
    platform: str | None = typer.Option(None, "--platform", help="Platform for records that do not say."),
    workers: int = typer.Option(0, "--workers", help="Worker processes (0: one per core)."),
    batch: int = typer.Option(500, "--batch", min=1, help="Records per batch (per worker task and DB write)."),
    media: bool = typer.Option(True, "--media/--no-media", help="Hash the posts' images and match hash banks."),
    images: Path | None = typer.Option(
        None, "--images", help="Folder where relative image paths resolve (default: each input file's folder)."
    ),
    fetch_images: bool = typer.Option(
        False, "--fetch-images", help="Download http(s) image references (size and time limits apply)."
    ),
    allow_private_addresses: bool = typer.Option(
        False,
        "--allow-private-addresses",
        help="Let --fetch-images reach loopback, private and link-local addresses (refused by default: SSRF).",
    ),
    link: bool = typer.Option(
        True, "--link/--no-link", help="Link the stored posts into networks after the run (incremental)."
    ),
    quarantine_path: Path | None = typer.Option(
        None, "--quarantine", help="Where to write this run's rejected records (default: next to the store)."
    ),
) -> None:
    """Analyze posts: extract identifiers, find indicators, score, store, and report. Scores are leads for review."""
    from tipwatch.engines.local import default_workers, map_ordered
    from tipwatch.engines.workers import init_analyzer, process_chunk
    from tipwatch.model import POST_KINDS
    from tipwatch.pipeline import Settings
    from tipwatch.sources import FORMATS, ReadStats, read
    from tipwatch.store.db import DEFAULT_DIR, open_engine
    from tipwatch.store.writer import PostWriter, finish_run, open_quarantine_file, start_run

    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        fail(f"input not found: {', '.join(missing)}")
    if model is not None and not model.is_file():
        fail(f"model file not found: {model}")
    if model is not None:
        from tipwatch.indicators.classifier import ClassifierError, check_model_file

        try:
            check_model_file(model)  # a pickle or foreign file: one line here, not a traceback from a worker
        except ClassifierError as exc:
            fail(str(exc))
    mapping = parse_columns(columns)
    if kind is not None and kind not in POST_KINDS:
        raise typer.BadParameter(f"{kind!r} is not one of {', '.join(POST_KINDS)}", param_hint="--kind")
    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(FORMATS)}", param_hint="--format")
    stats = ReadStats()
    engine = open_engine(db)
    settings = Settings(
        region=region.upper(),
        model_path=str(model) if model else None,
        default_kind=kind,
        default_platform=platform,
        media=media,
        images_dir=str(images) if images else None,
        fetch_images=fetch_images,
        allow_private_addresses=allow_private_addresses,
    )
    media_index = None
    if media:
        from tipwatch.media.index import load_index

        media_index = load_index(engine)
        if len(media_index) == 0:
            media_index = None
    total = estimate_records(inputs)
    n_workers = workers or default_workers()
    if total is not None and total < 4 * batch:
        n_workers = 1  # starting workers costs more than it saves on a small input
    run_id = start_run(engine, "analyze", [str(p) for p in inputs], str(model) if model else None)
    qpath = quarantine_path or (report / "quarantine.jsonl" if report else DEFAULT_DIR / "quarantine.jsonl")
    status = "failed"
    with open_quarantine_file(qpath) as qfile:
        writer = PostWriter(engine, run_id, qfile)
        try:
            with progress_bar() as progress:
                task = progress.add_task("analyzing", total=total)
                for results in map_ordered(
                    process_chunk,
                    read(inputs, columns=mapping, fmt=fmt, stats=stats),
                    workers=n_workers,
                    chunk_size=batch,
                    initializer=init_analyzer,
                    initargs=(settings, media_index),
                ):
                    writer.write(results)
                    progress.advance(task, len(results))
            status = "ok"
        finally:
            finish_run(engine, run_id, writer.counts, status)
    counts = writer.counts
    table = Table(title=f"run {run_id}", show_header=False)
    for name in ("read", "stored", "duplicates", "quarantined"):
        table.add_row(name, f"{getattr(counts, name):,}")
    table.add_row("reconciles", "yes" if counts.reconciles else "NO")
    console.print(table)
    if writer.images_seen:
        console.print(f"images: {writer.images_seen:,} referenced, {writer.images_rejected:,} rejected (quarantined)")
    for reason, n in sorted(stats.skipped.items()):
        # Not records (stylesheets in a crawl, images beside pages): counted so nothing is passed over silently.
        console.print(f"passed over, not records: {n:,} x {reason}")
    if counts.quarantined:
        console.print(f"{counts.quarantined:,} rejected records listed with reasons in {qpath}")
    if writer.changed:
        console.print(f"{writer.changed:,} duplicate ids came with different content (noted in {qpath})")
    if not counts.reconciles:
        fail("counts do not reconcile: read != stored + duplicates + quarantined")
    if link:
        from tipwatch.cli.networks_cmd import link_networks

        # Same code path as `tipwatch networks`: incremental over what is already linked.
        link_networks(db, rebuild=False, state=None, config=None)
    if report is not None:
        from tipwatch.report import write_report

        index = write_report(engine, report)
        console.print(f"report: {index}")
