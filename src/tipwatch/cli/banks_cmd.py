"""`tipwatch banks ...`: named hash banks (create, list, import, export, add images, enable/disable, threshold),
and the mandatory-reporting queue of posts whose images matched an abuse-material bank."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tipwatch.cli.common import console, fail, stdout_write

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(help="Hash banks: known victims, hotline lists, abuse material (hashes only).", no_args_is_help=True)

_DB = typer.Option(None, "--db", help="Database URL (default: ./tipwatch-data or TIPWATCH_DATABASE_URL).")


def _engine(db: str | None) -> Engine:
    from tipwatch.store.db import open_engine

    return open_engine(db)


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Bank name, e.g. 'known victims case 12'."),
    source: str = typer.Option(..., "--source", help="Where the hashes come from (organisation, list, date)."),
    licence: str = typer.Option(..., "--licence", help="Licence or terms of use of the list."),
    description: str = typer.Option("", "--description"),
    signal_types: str = typer.Option("pdq,md5,sha256", "--signal-types", help="Comma-separated: pdq, md5, sha256."),
    abuse_material: bool = typer.Option(
        False, "--abuse-material", help="Known abuse material: matches are flagged, images never shown."
    ),
    threshold: int = typer.Option(31, "--threshold", help="PDQ match threshold (Hamming distance, 0-64)."),
    by: str = typer.Option("", "--by", help="Who created the bank."),
    db: str | None = _DB,
) -> None:
    """Create an empty bank."""
    from tipwatch.media.banks import BankError, create_bank

    try:
        bank = create_bank(
            _engine(db),
            name,
            source=source,
            licence=licence,
            description=description,
            signal_types=[s.strip() for s in signal_types.split(",") if s.strip()],
            is_abuse_material=abuse_material,
            pdq_threshold=threshold,
            created_by=by,
        )
    except BankError as exc:
        fail(str(exc))
        return
    console.print(f"bank {bank.name!r} created (id {bank.id})")


@app.command("list")
def list_(db: str | None = _DB) -> None:
    """Print every bank as a JSON line (with its entry count)."""
    import orjson

    from tipwatch.media.banks import list_banks

    for bank in list_banks(_engine(db)):
        stdout_write(orjson.dumps(bank.as_json()).decode())


@app.command("import")
def import_(
    name: str = typer.Argument(..., help="Bank to add to."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Hash list."),
    fmt: str = typer.Option("auto", "--format", help="csv, md5, sha256, te (ThreatExchange/HMA), or auto."),
    signal_type: str | None = typer.Option(None, "--signal-type", help="For a CSV whose hash column is unnamed."),
    db: str | None = _DB,
) -> None:
    """Import a hash list. Lines that cannot be used are listed with their line number and reason."""
    from tipwatch.media.banks import BankError, add_entries
    from tipwatch.media.formats import FORMATS, EntryIn, detect, iter_parse

    with file.open(encoding="utf-8", errors="replace", newline="") as fh:
        chosen = detect(fh.read(65536)) if fmt == "auto" else fmt
    if chosen is None:
        fail("cannot tell the format (a bare 64-hex list is PDQ or SHA-256): pass --format")
        return
    if chosen not in FORMATS:
        fail(f"unknown format {chosen!r}; one of {', '.join(FORMATS)}")
    bad = 0

    def entries(lines: Iterator[str]) -> Iterator[EntryIn]:
        # Streamed: a 10M-line list is never held in memory; bad lines are reported as they come.
        nonlocal bad
        for item in iter_parse(lines, chosen, default_signal_type=signal_type):
            if isinstance(item, EntryIn):
                yield item
                continue
            bad += 1
            if bad <= 20:
                console.print(f"{file}:{item[0]}: {item[1]}")

    try:
        with file.open(encoding="utf-8", errors="replace", newline="") as fh:
            result = add_entries(_engine(db), name, entries(fh))
    except BankError as exc:
        fail(str(exc))
        return
    if bad > 20:
        console.print(f"... and {bad - 20} more bad line(s)")
    for position, reason in result.refused[:20]:
        console.print(f"entry {position + 1}: {reason}")
    console.print(
        f"{name!r}: {result.added} added, {result.duplicates} already there, {len(result.refused)} refused, "
        f"{bad} bad line(s) ({chosen})"
    )
    if bad or result.refused:
        raise typer.Exit(1)


@app.command("export")
def export(
    name: str = typer.Argument(...),
    fmt: str = typer.Option("csv", "--format", help="csv (with metadata), md5, sha256, te."),
    out: Path | None = typer.Option(None, "--out", help="File to write (default: stdout)."),
    db: str | None = _DB,
) -> None:
    """Export a bank in one of the exchange formats."""
    from tipwatch.media.banks import BankError, iter_entries
    from tipwatch.media.formats import FORMATS, EntryIn, write

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    try:
        text = write((EntryIn(e.signal_type, e.value, e.meta) for e in iter_entries(_engine(db), name)), fmt)
    except BankError as exc:
        fail(str(exc))
        return
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"{name!r} written to {out}")


@app.command("add")
def add_images(
    name: str = typer.Argument(..., help="Bank to add to."),
    files: list[Path] = typer.Argument(..., help="Images to hash into the bank (the images are not stored)."),
    note: str = typer.Option("", "--note", help="Metadata kept with each entry."),
    db: str | None = _DB,
) -> None:
    """Hash images into a bank: PDQ, MD5 and SHA-256 as the bank's signal types allow. Only hashes are kept."""
    from tipwatch.media.banks import BankError, add_entries
    from tipwatch.media.formats import EntryIn
    from tipwatch.media.hashing import hash_files

    entries: list[EntryIn] = []
    bad = 0
    for path, h in hash_files(files):
        meta = {"filename": Path(path).name, **({"note": note} if note else {})}
        if h.sha256 is None or h.md5 is None:
            bad += 1
            console.print(f"{path}: {h.error}")
            continue
        entries += [EntryIn("sha256", h.sha256, meta), EntryIn("md5", h.md5, meta)]
        if h.pdq is not None and h.quality is not None:
            entries.append(EntryIn("pdq", h.pdq, {**meta, "quality": h.quality}))
        if h.error:
            bad += 1
            console.print(f"{path}: no PDQ: {h.error}")
    try:
        engine = _engine(db)
        from tipwatch.media.banks import require_bank

        allowed = set(require_bank(engine, name).signal_types)
        result = add_entries(engine, name, [e for e in entries if e.signal_type in allowed])
    except BankError as exc:
        fail(str(exc))
        return
    console.print(f"{name!r}: {result.added} hash(es) added, {result.duplicates} already there")
    if bad:
        raise typer.Exit(1)


def _set_enabled(name: str, db: str | None, enabled: bool) -> None:
    from tipwatch.media.banks import BankError, set_enabled

    try:
        set_enabled(_engine(db), name, enabled)
    except BankError as exc:
        fail(str(exc))
    console.print(f"{name!r} {'enabled' if enabled else 'disabled'}")


@app.command("enable")
def enable(name: str = typer.Argument(...), db: str | None = _DB) -> None:
    """Match against this bank again."""
    _set_enabled(name, db, True)


@app.command("disable")
def disable(name: str = typer.Argument(...), db: str | None = _DB) -> None:
    """Stop matching against this bank (its entries are kept; restrictions already recorded stay)."""
    _set_enabled(name, db, False)


@app.command("threshold")
def threshold(
    name: str = typer.Argument(...),
    value: int = typer.Argument(..., help="PDQ Hamming distance, 0-64 (Meta recommends 31)."),
    db: str | None = _DB,
) -> None:
    """Set a bank's PDQ match threshold."""
    from tipwatch.media.banks import BankError, set_threshold

    try:
        set_threshold(_engine(db), name, value)
    except BankError as exc:
        fail(str(exc))
    console.print(f"{name!r}: PDQ threshold {value}")


@app.command("delete")
def delete(
    name: str = typer.Argument(...),
    yes: bool = typer.Option(False, "--yes", help="Confirm."),
    db: str | None = _DB,
) -> None:
    """Delete a bank and its entries (restrictions already recorded stay)."""
    from tipwatch.media.banks import BankError, delete_bank

    if not yes:
        fail("deleting a bank cannot be undone: add --yes")
    try:
        delete_bank(_engine(db), name)
    except BankError as exc:
        fail(str(exc))
    console.print(f"{name!r} deleted")


@app.command("reports")
def reports(
    status: str = typer.Option("pending", "--status", help="pending, reported, dismissed, or all."),
    db: str | None = _DB,
) -> None:
    """The mandatory-reporting queue: posts whose images matched an abuse-material bank (JSON lines; hashes only)."""
    import orjson

    from tipwatch.media.restricted import mandatory_report_queue

    for item in mandatory_report_queue(_engine(db), status=None if status == "all" else status):
        row = {
            "post_id": item.post_id,
            "status": item.status,
            "reason": item.reason,
            "sha256s": item.sha256s,
            "flagged_at": item.flagged_at.isoformat(),
            "reported_at": item.reported_at.isoformat() if item.reported_at else None,
            "reported_by": item.reported_by,
            "report_reference": item.report_reference,
        }
        stdout_write(orjson.dumps(row).decode())


@app.command("mark-reported")
def mark_reported(
    post_id: str = typer.Argument(...),
    by: str = typer.Option(..., "--by", help="Who made the report."),
    reference: str = typer.Option(..., "--reference", help="The report's reference (e.g. the hotline's ticket)."),
    db: str | None = _DB,
) -> None:
    """Record that a queued post was reported; its images stay restricted."""
    from tipwatch.media.restricted import mark_reported as run

    try:
        run(_engine(db), post_id, by=by, reference=reference)
    except ValueError as exc:
        fail(str(exc))
    console.print(f"{post_id}: reported by {by} ({reference})")
