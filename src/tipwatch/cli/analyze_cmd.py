"""`tipwatch analyze INPUT...`: read, analyze, store, report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from tipwatch.cli.common import DB_OPTION, config, console, fail, link_summary_line, open_store
from tipwatch.cli.progress import estimate_records, progress_bar
from tipwatch.model import POST_KINDS
from tipwatch.sources import FORMATS


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
    inputs: list[str] = typer.Argument(
        ...,
        help="JSONL, CSV, WARC(.gz) files or folders of saved HTML pages; with --engine spark also Hadoop URLs "
        "(hdfs://, s3a://, file://).",
    ),
    db: str | None = DB_OPTION,
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
    engine: str = typer.Option(
        "local", "--engine", help="Where the per-post stages run: local (this machine's cores) or spark."
    ),
    spark_master: str | None = typer.Option(
        None, "--spark-master", help="--engine spark: master URL (default: spark-submit's, else local[*])."
    ),
    parquet: str | None = typer.Option(
        None, "--parquet", help="--engine spark: also write posts, identifiers, hits and media as Parquet here."
    ),
) -> None:
    """Analyze posts: extract identifiers, find indicators, score, store, and report. Scores are leads for review."""
    from tipwatch.engines.base import is_url
    from tipwatch.services.analyze import AnalyzeError, AnalyzeRequest, check_request
    from tipwatch.services.analyze import analyze as run_analysis

    paths: list[Path | str] = [name if is_url(name) else Path(name) for name in inputs]
    request = AnalyzeRequest(
        inputs=paths,
        report=report,
        model=model,
        region=region,
        columns=parse_columns(columns),
        fmt=fmt,
        kind=kind,
        platform=platform,
        workers=workers,
        batch=batch,
        media=media,
        images=images,
        fetch_images=fetch_images,
        link=link,
        quarantine_path=quarantine_path,
        allow_private_addresses=allow_private_addresses,
        engine=engine,
        spark_master=spark_master,
        parquet=parquet,
    )
    if kind is not None and kind not in POST_KINDS:
        raise typer.BadParameter(f"{kind!r} is not one of {', '.join(POST_KINDS)}", param_hint="--kind")
    if fmt is not None and fmt not in FORMATS:
        raise typer.BadParameter(f"{fmt!r} is not one of {', '.join(FORMATS)}", param_hint="--format")
    try:
        check_request(request)
    except AnalyzeError as exc:
        fail(str(exc))
    cfg = config(database_url=db)
    local = [p for p in paths if isinstance(p, Path)]
    total = estimate_records(local) if len(local) == len(paths) else None
    with open_store(db, cfg) as store, progress_bar() as progress:
        task = progress.add_task("analyzing", total=total)
        link_task = None

        def on_link(_stage: str, done: int, todo: int) -> None:
            nonlocal link_task
            if link_task is None:
                link_task = progress.add_task("linking", total=todo)
            progress.update(link_task, completed=done, total=todo)

        try:
            result = run_analysis(
                store,
                request,
                data_dir=cfg.data_dir,
                link_state_dir=cfg.link_state,
                link_state_backend=cfg.link_state_backend,
                expected=total,
                on_progress=lambda n: progress.advance(task, n),
                on_link_progress=on_link,
            )
        except AnalyzeError as exc:
            fail(str(exc))
    counts = result.counts
    table = Table(title=f"run {result.run_id}", show_header=False)
    for name in ("read", "stored", "duplicates", "quarantined"):
        table.add_row(name, f"{getattr(counts, name):,}")
    table.add_row("reconciles", "yes" if counts.reconciles else "NO")
    console.print(table)
    if result.images_seen:
        console.print(f"images: {result.images_seen:,} referenced, {result.images_rejected:,} rejected (quarantined)")
    for reason, n in result.passed_over.items():
        # Not records (stylesheets in a crawl, images beside pages): counted so nothing is passed over silently.
        console.print(f"passed over, not records: {n:,} x {reason}")
    if counts.quarantined:
        console.print(f"{counts.quarantined:,} rejected records listed with reasons in {result.quarantine_path}")
    if result.changed:
        note = f"noted in {result.quarantine_path}"
        console.print(f"{result.changed:,} duplicate ids came with different content ({note})")
    if not counts.reconciles:
        fail("counts do not reconcile: read != stored + duplicates + quarantined")
    if result.link is not None:
        console.print(link_summary_line(result.link))
    if result.report_index is not None:
        console.print(f"report: {result.report_index}")
