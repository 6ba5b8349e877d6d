"""`tipwatch capture` and `tipwatch evidence`: capture pages into a case (services.capture), look at an item and
its chain of custody, record a transfer, export a case's signed WACZ bundle and verify one (services.evidence).

``capture`` prints each new item's id on stdout; ``verify`` prints what it checked and exits 1 naming the first
thing that fails. A refused request (unknown case or item, bad value) exits 2.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import orjson
import typer

from tipwatch.cli.common import (
    DB_OPTION,
    CommandError,
    UsageFailure,
    config,
    console,
    open_store,
    refused,
    stdout_write,
)

app = typer.Typer(help="Evidence: custody, signed bundles (WACZ) and their verification.", no_args_is_help=True)

BY_HELP = "Who does it (default: the login name)."


def _by(by: str | None) -> str:
    return by or getpass.getuser()


def capture(
    urls: list[str] = typer.Argument(..., help="The page URL(s) to capture."),
    case: int = typer.Option(..., "--case", help="The case the captures belong to (tipwatch cases create)."),
    purpose: str = typer.Option("", "--purpose", help="Why these pages are captured (kept with each item)."),
    allow_private: bool = typer.Option(
        False, "--allow-private-addresses", help="Allow private and loopback addresses (a lab or intranet mirror)."
    ),
    timeout: float = typer.Option(60.0, "--timeout", min=1.0, max=600.0, help="Seconds for one whole capture."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Capture web pages as evidence: WARC, screenshot, rendered HTML, images, metadata; signed custody."""
    from tipwatch.services.capture import CaptureError, CaptureOptions, capture_many
    from tipwatch.services.cases import CaseError

    cfg = config(database_url=db)
    options = CaptureOptions(allow_private=allow_private, timeout=timeout)
    with open_store(db, cfg) as store, refused(CaseError):
        results = capture_many(store, cfg.data_dir, urls, case_id=case, actor=_by(by), purpose=purpose, options=options)
    failed = 0
    for r in results:
        if isinstance(r, CaptureError):
            failed += 1
            console.print(f"not captured: {r}")
        else:
            stdout_write(str(r.id))
            console.print(f"item {r.id}: captured {r.final_url} (HTTP {r.http_status}, {r.ip or 'no address'})")
    if failed:
        raise CommandError(f"{failed} of {len(results)} page(s) not captured")


@app.command("list")
def list_cmd(
    case: int = typer.Option(..., "--case", help="The case."),
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout."),
    db: str | None = DB_OPTION,
) -> None:
    """The evidence items of a case, oldest first."""
    from tipwatch.services.cases import CaseError
    from tipwatch.services.evidence import list_items

    with open_store(db) as store, refused(CaseError):
        items = list_items(store, case)
    if as_json:
        stdout_write(orjson.dumps(items, option=orjson.OPT_NAIVE_UTC).decode())
        return
    for i in items:
        stdout_write(f"{i.id}\t{i.captured_at.isoformat()}\t{i.captured_by}\t{i.final_url}")
    console.print(f"{len(items)} item(s)")


@app.command("show")
def show(
    item: int = typer.Argument(..., help="The evidence item id."),
    why: str = typer.Option("", "--why", help="Why you look at it (kept in its custody log)."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """An item, its files and its chain of custody (the view is recorded as a custody event)."""
    from tipwatch.services.evidence import EvidenceError, view_item

    cfg = config(database_url=db)
    with open_store(db, cfg) as store, refused(EvidenceError):
        v = view_item(store, cfg.data_dir, item, actor=_by(by), why=why, via="cli")
    out = {
        "item": v.item,
        "artifacts": v.artifacts,
        "custody": [e.to_json() for e in v.custody],
    }
    stdout_write(orjson.dumps(out, option=orjson.OPT_NAIVE_UTC | orjson.OPT_INDENT_2).decode())


@app.command("transfer")
def transfer(
    item: int = typer.Argument(..., help="The evidence item id."),
    to: str = typer.Option(..., "--to", help="Who receives it (a person, a unit, a court)."),
    why: str = typer.Option("", "--why", help="Why."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Record a transfer of the item in its chain of custody."""
    from tipwatch.services.evidence import EvidenceError, transfer_item

    cfg = config(database_url=db)
    with open_store(db, cfg) as store, refused(EvidenceError):
        e = transfer_item(store, cfg.data_dir, item, actor=_by(by), to=to, why=why)
    console.print(f"item {item}: custody event {e.seq} (transferred to {to})")


@app.command("copy")
def copy(
    item: int = typer.Argument(..., help="The evidence item id."),
    out: Path = typer.Option(..., "--out", help="A new (or empty) folder for the working copy."),
    why: str = typer.Option("", "--why", help="Why (kept in the item's custody log)."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Write a working copy of the item's files (with SHA256SUMS); the evidentiary copy stays untouched."""
    from tipwatch.services.evidence import EvidenceError, working_copy

    cfg = config(database_url=db)
    with open_store(db, cfg) as store, refused(EvidenceError):
        written = working_copy(store, cfg.data_dir, item, out, actor=_by(by), why=why)
    console.print(f"item {item}: {len(written)} file(s) written to {out}")


@app.command("export")
def export(
    case: int = typer.Option(..., "--case", help="The case whose evidence is exported."),
    out: Path = typer.Option(..., "--out", help="The bundle to write (FILE.wacz)."),
    why: str = typer.Option("", "--why", help="Why (kept in each item's custody log)."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also print the report to PDF with Chromium."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Write the case's signed evidence bundle (WACZ with WARCs, screenshots, manifest, custody log, report)."""
    from tipwatch.services.cases import CaseError
    from tipwatch.services.evidence import EvidenceError, export_case

    cfg = config(database_url=db)
    with open_store(db, cfg) as store, refused(CaseError, EvidenceError):
        digest = export_case(
            store,
            cfg.data_dir,
            case,
            out,
            actor=_by(by),
            why=why,
            pdf=pdf,
            progress=console.print,
            tsa_url=cfg.tsa_url,
            tsa_allow_private=cfg.tsa_allow_private,
        )
    stdout_write(str(out))
    console.print(f"bundle written: {out} (manifest SHA-256 {digest})")


@app.command("verify")
def verify(
    bundle: Path = typer.Argument(..., help="The bundle (.wacz) to check."),
    public_key: Path | None = typer.Option(
        None, "--public-key", help="The signer's public key (PEM), obtained separately; default: the bundled one."
    ),
    tsa_roots: Path | None = typer.Option(
        None,
        "--tsa-roots",
        help="The timestamp authority's root certificate(s) (PEM): the bundle's RFC 3161 token must be there and "
        "its signature must verify.",
    ),
) -> None:
    """Check every hash, every chain of custody and the signature (and an RFC 3161 timestamp when the bundle has
    one); exit 1 naming the first failure."""
    from tipwatch.services.evidence import verify_bundle

    for given, what in ((public_key, "public key"), (tsa_roots, "TSA roots")):
        if given is not None and not given.is_file():
            raise UsageFailure(f"{what} file not found: {given}")
    verdict = verify_bundle(bundle, public_key, tsa_roots)
    for line in verdict.checked:
        console.print(f"ok: {line}")
    if not verdict.ok:
        raise CommandError(f"verification FAILED: {verdict.failure}")
    if verdict.key_source != "given":
        console.print(f"warning: checked with the key inside the bundle ({verdict.fingerprint}); pass --public-key")
    stdout_write(f"OK {bundle}")


@app.command("key")
def key(
    public: bool = typer.Option(False, "--public", help="Print the public key (PEM) on stdout."),
) -> None:
    """The installation's Ed25519 signing key (created on first use under the data directory, mode 0600): its
    fingerprint; with --public the public key (PEM) others verify bundles with. The private key is never printed."""
    from tipwatch.services.evidence import fingerprint, public_key_pem

    cfg = config()
    if not public:
        stdout_write(fingerprint(cfg.data_dir))
        return
    stdout_write(public_key_pem(cfg.data_dir).rstrip("\n"))
    console.print(f"fingerprint {fingerprint(cfg.data_dir)}")
