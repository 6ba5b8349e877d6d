"""`tipwatch feeds`: a network's or case's indicators as STIX 2.1 to a partner's TAXII 2.1 collection (publish),
partners' collections into watches (pull), and a MISP event file (misp-export). services.feeds says what goes out.

Credentials: ``--user`` with the password from ``TIPWATCH_TAXII_PASSWORD`` (or ``--password``, which other users of
the machine can see in the process list), or a bearer token from ``TIPWATCH_TAXII_TOKEN``. Exit 2 for a refused
request (no purpose, unknown TLP, the server failed), 1 when a pull rejected objects (the rest was imported).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import typer

from tipwatch.cli.common import DB_OPTION, CommandError, UsageFailure, console, open_store, refused, stdout_write

if TYPE_CHECKING:
    from tipwatch.store.facade import Store

app = typer.Typer(
    help="Share indicators with partners: STIX 2.1 over TAXII 2.1 (publish, pull) and MISP events.",
    no_args_is_help=True,
)

TAXII = typer.Option(..., "--taxii", help="The TAXII 2.1 API root URL, e.g. https://taxii.example.org/api1/.")
COLLECTION = typer.Option(..., "--collection", help="The collection's id.")
USER = typer.Option(None, "--user", help="Basic-auth user (password from TIPWATCH_TAXII_PASSWORD or --password).")
PASSWORD = typer.Option(None, "--password", help="Basic-auth password (prefer TIPWATCH_TAXII_PASSWORD).")
PURPOSE = typer.Option(..., "--purpose", help="Why (kept in the audit log).")
LEGAL_BASIS = typer.Option(..., "--legal-basis", help="The legal basis for sharing (kept in the audit log).")
TLP = typer.Option(None, "--tlp", help="TLP 2.0 marking: clear, green, amber, amber+strict (default) or red.")
NETWORK = typer.Option(None, "--network", help="Share this network's indicators.")
CASE = typer.Option(None, "--case", help="Share the indicators of this case's posts and networks.")
BY = typer.Option(None, "--by", help="Who does it (default: the login name).")


@contextmanager
def _opened(db: str | None) -> Iterator[Store]:
    from tipwatch.services.exchange import ExchangeError

    with open_store(db) as store, refused(ExchangeError):
        yield store


def _scope(network: str | None, case: int | None) -> Any:
    from tipwatch.services.feeds import ValueScope

    if (network is None) == (case is None):
        raise UsageFailure("name one of --network or --case")
    return ValueScope(case_id=case, network_id=network)


def _collection(taxii: str, collection: str, user: str | None, password: str | None) -> Any:
    from tipwatch.services.exchange import ExchangeError
    from tipwatch.services.feeds import open_collection

    token = os.environ.get("TIPWATCH_TAXII_TOKEN")
    with refused(ExchangeError):
        return open_collection(
            taxii,
            collection,
            user=user,
            password=password if password is not None else os.environ.get("TIPWATCH_TAXII_PASSWORD"),
            token=None if user else token,
        )


@app.command("publish")
def publish(
    taxii: str = TAXII,
    collection: str = COLLECTION,
    network: str | None = NETWORK,
    case: int | None = CASE,
    tlp: str | None = TLP,
    include_text: bool = typer.Option(
        False, "--include-text", help="Also send the posts' ad text (as STIX Notes). Off by default: identifiers only."
    ),
    user: str | None = USER,
    password: str | None = PASSWORD,
    purpose: str = PURPOSE,
    legal_basis: str = LEGAL_BASIS,
    by: str | None = BY,
    db: str | None = DB_OPTION,
) -> None:
    """Publish a network's or case's indicators (STIX 2.1 bundle, TLP-marked) to a TAXII 2.1 collection."""
    from tipwatch.services.feeds import publish as run

    scope = _scope(network, case)
    target = _collection(taxii, collection, user, password)
    with _opened(db) as store:
        result = run(
            store,
            target,
            scope,
            purpose=purpose,
            legal_basis=legal_basis,
            actor=by or getpass.getuser(),
            level=tlp,
            include_text=include_text,
            destination=f"{taxii} {collection}",
        )
    kinds = ", ".join(f"{k} {v}" for k, v in result.by_kind.items())
    console.print(
        f"{result.indicators} indicator(s) ({kinds}) in {result.objects} STIX object(s), TLP:{result.tlp.upper()}: "
        f"{result.succeeded} accepted, {result.already} already held, {result.failed} failed, {result.pending} pending"
    )
    if result.failed:
        raise CommandError(f"the TAXII server refused {result.failed} object(s)")


@app.command("pull")
def pull(
    taxii: str = TAXII,
    collection: str = COLLECTION,
    added_after: str | None = typer.Option(
        None,
        "--added-after",
        help="Only objects added after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z).",
    ),
    feed: str | None = typer.Option(None, "--feed", help="The name watches show (default: the URL and collection)."),
    user: str | None = USER,
    password: str | None = PASSWORD,
    purpose: str = PURPOSE,
    legal_basis: str = LEGAL_BASIS,
    by: str | None = BY,
    db: str | None = DB_OPTION,
) -> None:
    """Import a TAXII 2.1 collection's indicators as watches (scans and new posts flag them, naming the feed)."""
    from tipwatch.services.feeds import pull as run
    from tipwatch.services.feeds import taxii_objects

    source = _collection(taxii, collection, user, password)
    with _opened(db) as store:
        result = run(
            store,
            taxii_objects(source, added_after=added_after),
            feed=feed or f"{taxii.rstrip('/')}/collections/{collection}",
            source=taxii,
            collection=collection,
            added_after=added_after,
            purpose=purpose,
            legal_basis=legal_basis,
            actor=by or getpass.getuser(),
        )
    _report_pull(result)


@app.command("import")
def import_file(
    bundle: Path = typer.Argument(..., help="A partner's STIX 2.1 bundle (or TAXII envelope) file."),
    feed: str = typer.Option(..., "--feed", help="The name watches show (the partner and what it sent)."),
    purpose: str = PURPOSE,
    legal_basis: str = LEGAL_BASIS,
    by: str | None = BY,
    db: str | None = DB_OPTION,
) -> None:
    """Read a partner's STIX bundle file into watches, as `pull` does for a TAXII collection."""
    from tipwatch.services.feeds import objects_in_file
    from tipwatch.services.feeds import pull as run

    if not bundle.is_file():
        raise UsageFailure(f"bundle file not found: {bundle}")
    with _opened(db) as store:
        result = run(
            store,
            objects_in_file(bundle.read_bytes()),
            feed=feed,
            source="file",
            collection=bundle.name,
            purpose=purpose,
            legal_basis=legal_basis,
            actor=by or getpass.getuser(),
        )
    _report_pull(result)


@app.command("misp-export")
def misp_export(
    out: Path = typer.Option(..., "--out", help="The MISP event JSON file to write."),
    network: str | None = NETWORK,
    case: int | None = CASE,
    tlp: str | None = TLP,
    purpose: str = PURPOSE,
    legal_basis: str = LEGAL_BASIS,
    by: str | None = BY,
    db: str | None = DB_OPTION,
) -> None:
    """Write a network's or case's indicators as a MISP event (pymisp's JSON) for units that run MISP."""
    from tipwatch.services.feeds import misp_export as run

    scope = _scope(network, case)
    with _opened(db) as store:
        text, by_kind = run(
            store, scope, purpose=purpose, legal_basis=legal_basis, actor=by or getpass.getuser(), level=tlp
        )
    _write_whole(out, text)
    kinds = ", ".join(f"{k} {v}" for k, v in by_kind.items())
    console.print(f"{sum(by_kind.values())} attribute(s) ({kinds}) written to {out}")


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="The STIX 2.1 bundle file to write (JSON)."),
    network: str | None = NETWORK,
    case: int | None = CASE,
    tlp: str | None = TLP,
    include_text: bool = typer.Option(False, "--include-text", help="Also write the posts' ad text (STIX Notes)."),
    purpose: str = PURPOSE,
    legal_basis: str = LEGAL_BASIS,
    by: str | None = BY,
    db: str | None = DB_OPTION,
) -> None:
    """Write the STIX 2.1 bundle `publish` would send (with the extension definitions) to a file."""
    from tipwatch.services.feeds import export_bundle

    scope = _scope(network, case)
    with _opened(db) as store:
        text, by_kind = export_bundle(
            store,
            scope,
            purpose=purpose,
            legal_basis=legal_basis,
            actor=by or getpass.getuser(),
            level=tlp,
            include_text=include_text,
        )
    _write_whole(out, text)
    kinds = ", ".join(f"{k} {v}" for k, v in by_kind.items())
    console.print(f"{sum(by_kind.values())} indicator(s) ({kinds}) written to {out}")


def _write_whole(out: Path, text: str) -> None:
    tmp = out.with_name(f".{out.name}.part")  # the file appears whole or not at all
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)


def _report_pull(result: Any) -> None:
    """Rejected objects and the counts on stderr, the summary as one JSON line on stdout; exit 1 when some were
    rejected (the rest was imported)."""
    for oid, reason in result.errors:
        console.print(f"rejected {oid}: {reason}")
    c = result.counts
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(result.skipped_by_reason.items())) or "none"
    console.print(
        f"pull {result.pull_id}: {c.read} object(s) read = {c.imported} imported + {c.already} already watched + "
        f"{c.skipped} skipped ({skipped}) + {c.rejected} rejected; {result.alerts} alert(s) on stored posts; "
        f"{result.withdrawn} watch(es) stopped (revoked or expired by the feed)"
    )
    summary = {"pull_id": result.pull_id, **asdict(c), "skipped_by_reason": result.skipped_by_reason}
    stdout_write(orjson.dumps({**summary, "withdrawn": result.withdrawn}).decode())
    if c.rejected:
        raise CommandError(f"{c.rejected} object(s) rejected and quarantined (the rest was imported)")
