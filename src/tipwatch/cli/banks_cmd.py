"""`tipwatch banks ...`: named hash banks (create, list, import, export, add images, enable/disable, threshold),
and the mandatory-reporting queue of posts whose images matched an abuse-material bank. Every change to a bank and
every export is audited (services.bank_admin), as from the web app; ``--why`` is kept with the entry."""

from __future__ import annotations

from pathlib import Path

import typer

from tipwatch.cli.common import DB_OPTION, console, fail, open_store, stdout_write
from tipwatch.cli.users import WHY_OPTION, cli_actor
from tipwatch.media.formats import formats, plain_formats
from tipwatch.media.signal_types import names

# From the signal registry (cheap: no numpy or Pillow), so a type added in media/signals/ needs no edit here.
_TYPES = ", ".join(names())
_FORMATS = ", ".join(f for f in formats() if f not in ("te", "threatexchange"))

app = typer.Typer(help="Hash banks: known victims, hotline lists, abuse material (hashes only).", no_args_is_help=True)


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Bank name, e.g. 'known victims case 12'."),
    source: str = typer.Option(..., "--source", help="Where the hashes come from (organisation, list, date)."),
    licence: str = typer.Option(..., "--licence", help="Licence or terms of use of the list."),
    description: str = typer.Option("", "--description"),
    signal_types: str = typer.Option(",".join(names()), "--signal-types", help=f"Comma-separated: {_TYPES}."),
    abuse_material: bool = typer.Option(
        False, "--abuse-material", help="Known abuse material: matches are flagged, images never shown."
    ),
    threshold: int = typer.Option(31, "--threshold", help="PDQ match threshold (Hamming distance, 0-64)."),
    by: str = typer.Option("", "--by", help="Who created the bank (default: the operating-system user)."),
    why: str = WHY_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Create an empty bank."""
    from tipwatch.services import bank_admin
    from tipwatch.services.banks import BankError

    try:
        with open_store(db) as store:
            bank = bank_admin.create(
                store,
                by or cli_actor(),
                name,
                source=source,
                licence=licence,
                description=description,
                signal_types=[s.strip() for s in signal_types.split(",") if s.strip()],
                is_abuse_material=abuse_material,
                pdq_threshold=threshold,
                why=why,
            )
    except BankError as exc:
        fail(str(exc))
        return
    console.print(f"bank {bank.name!r} created (id {bank.id})")


@app.command("list")
def list_(db: str | None = DB_OPTION) -> None:
    """Print every bank as a JSON line (with its entry count)."""
    import orjson

    from tipwatch.services.banks import list_banks

    with open_store(db) as store:
        for bank in list_banks(store):
            stdout_write(orjson.dumps(bank.as_json()).decode())


@app.command("import")
def import_(
    name: str = typer.Argument(..., help="Bank to add to."),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Hash list."),
    fmt: str = typer.Option(
        "auto",
        "--format",
        help=f"{_FORMATS}, te (HMA local-file exchange), threatexchange (dataset CSV), or auto.",
    ),
    signal_type: str | None = typer.Option(None, "--signal-type", help="For a CSV whose hash column is unnamed."),
    why: str = WHY_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Import a hash list. Lines that cannot be used are listed with their line number and reason."""
    from tipwatch.services import bank_admin
    from tipwatch.services.banks import BankError, choose_format

    shown = 0

    def bad_line(line: int, reason: str) -> None:
        # Reported as they come (the file is streamed), the first 20 only.
        nonlocal shown
        shown += 1
        if shown <= 20:
            console.print(f"{file}:{line}: {reason}")

    try:
        chosen = choose_format(file, fmt)
        with open_store(db) as store:
            got = bank_admin.import_file(
                store, cli_actor(), name, file, fmt=chosen, signal_type=signal_type, why=why, on_bad_line=bad_line
            )
    except BankError as exc:
        fail(str(exc))
        return
    result, bad = got.added, got.bad_lines
    if bad > 20:
        console.print(f"... and {bad - 20} more bad line(s)")
    for position, reason in result.refused[:20]:
        console.print(f"entry {position + 1}: {reason}")
    console.print(
        f"{name!r}: {result.added} added, {result.duplicates} already there, {len(result.refused)} refused, "
        f"{bad} bad line(s) ({got.format})"
    )
    if bad or result.refused:
        raise typer.Exit(1)


@app.command("export")
def export(
    name: str = typer.Argument(...),
    fmt: str = typer.Option(
        "csv",
        "--format",
        help=f"csv, {', '.join(plain_formats())}, te (HMA local-file exchange), threatexchange (with metadata).",
    ),
    out: Path | None = typer.Option(None, "--out", help="File to write (default: stdout)."),
    why: str = WHY_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Export a bank in one of the exchange formats."""
    from tipwatch.services import bank_admin
    from tipwatch.services.banks import BankError, check_format

    try:
        check_format(fmt)
        with open_store(db) as store:
            _, text = bank_admin.export(store, cli_actor(), name, fmt, why)
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
    why: str = WHY_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Hash images into a bank: PDQ, MD5, SHA-256 (and any other registered signal type) as the bank's signal types
    allow. Only hashes are kept."""
    from tipwatch.services import bank_admin
    from tipwatch.services.banks import BankError

    def problem(path: str, msg: str) -> None:
        console.print(f"{path}: {msg}")

    try:
        with open_store(db) as store:
            result, bad = bank_admin.add_images(store, cli_actor(), name, files, note=note, why=why, on_problem=problem)
    except BankError as exc:
        fail(str(exc))
        return
    console.print(f"{name!r}: {result.added} hash(es) added, {result.duplicates} already there")
    if bad:
        raise typer.Exit(1)


def _set_enabled(name: str, db: str | None, enabled: bool, why: str) -> None:
    from tipwatch.services import bank_admin
    from tipwatch.services.banks import BankError

    try:
        with open_store(db) as store:
            bank_admin.switch(store, cli_actor(), name, enabled, why)
    except BankError as exc:
        fail(str(exc))
    console.print(f"{name!r} {'enabled' if enabled else 'disabled'}")


@app.command("enable")
def enable(name: str = typer.Argument(...), why: str = WHY_OPTION, db: str | None = DB_OPTION) -> None:
    """Match against this bank again."""
    _set_enabled(name, db, True, why)


@app.command("disable")
def disable(name: str = typer.Argument(...), why: str = WHY_OPTION, db: str | None = DB_OPTION) -> None:
    """Stop matching against this bank (its entries are kept; restrictions already recorded stay)."""
    _set_enabled(name, db, False, why)


@app.command("threshold")
def threshold(
    name: str = typer.Argument(...),
    value: int = typer.Argument(..., help="PDQ Hamming distance, 0-64 (Meta recommends 31)."),
    why: str = WHY_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Set a bank's PDQ match threshold (audited with the old and new value)."""
    from tipwatch.services import bank_admin
    from tipwatch.services.banks import BankError

    try:
        with open_store(db) as store:
            bank_admin.change_threshold(store, cli_actor(), name, value, why)
    except BankError as exc:
        fail(str(exc))
    console.print(f"{name!r}: PDQ threshold {value}")


@app.command("delete")
def delete(
    name: str = typer.Argument(...),
    yes: bool = typer.Option(False, "--yes", help="Confirm."),
    why: str = WHY_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Delete a bank and its entries (restrictions already recorded stay)."""
    from tipwatch.services import bank_admin
    from tipwatch.services.banks import BankError

    if not yes:
        fail("deleting a bank cannot be undone: add --yes")
    try:
        with open_store(db) as store:
            bank_admin.delete(store, cli_actor(), name, why)
    except BankError as exc:
        fail(str(exc))
    console.print(f"{name!r} deleted")


@app.command("reports")
def reports(
    status: str = typer.Option("pending", "--status", help="pending, reported, dismissed, or all."),
    db: str | None = DB_OPTION,
) -> None:
    """The mandatory-reporting queue: posts whose images matched an abuse-material bank (JSON lines; hashes only)."""
    import orjson

    from tipwatch.services.banks import report_queue

    with open_store(db) as store:
        queue = report_queue(store, status=None if status == "all" else status)
    for item in queue:
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
    db: str | None = DB_OPTION,
) -> None:
    """Record that a queued post was reported; its images stay restricted."""
    from tipwatch.services.banks import mark_reported as run

    try:
        with open_store(db) as store:
            run(store, post_id, by=by, reference=reference)
    except ValueError as exc:
        fail(str(exc))
    console.print(f"{post_id}: reported by {by} ({reference})")
