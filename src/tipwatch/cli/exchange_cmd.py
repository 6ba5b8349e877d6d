"""`tipwatch exchange`: keys of a sharing group, and keyed selectors exported to and matched from partners
(services.exchange).

Machine-friendly: ``selectors match`` prints one JSON line per matched selector on stdout
(``{"type", "selector", "post_ids", "network_ids"}``) and nothing about local values without a match; bad lines of
the partner's file and the counts go to stderr. Exit 2 for a refused request, 1 when the file had bad lines.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from tipwatch.store.facade import Store

app = typer.Typer(
    help="Share safely with partners: keyed selectors (no plain values) of a sharing group.", no_args_is_help=True
)
key_app = typer.Typer(
    help="The group's secret keys (sealed at rest; rotation keeps old keys for matching).", no_args_is_help=True
)
selectors_app = typer.Typer(
    help="Export this store's selectors, or match a partner's selector file.", no_args_is_help=True
)
app.add_typer(key_app, name="key")
app.add_typer(selectors_app, name="selectors")

GROUP = typer.Option(..., "--group", help="The sharing group's name (as the partners agreed).")
PURPOSE = typer.Option(..., "--purpose", help="Why (kept in the audit log).")
LEGAL_BASIS = typer.Option(..., "--legal-basis", help="The legal basis for sharing (kept in the audit log).")
BY = typer.Option(None, "--by", help="Who does it (default: the login name).")


@contextmanager
def _opened(db: str | None) -> Iterator[tuple[Store, bytes]]:
    """The store and the server secret (which seals group keys); a refused request ends the command (exit 2)."""
    from tipwatch.services.exchange import ExchangeError

    cfg = config(database_url=db)
    with open_store(db, cfg) as store, refused(ExchangeError):
        yield store, cfg.server_secret()


def _actor(by: str | None) -> str:
    return by or getpass.getuser()


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (a key file holds the key in the clear)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


@key_app.command("create")
def key_create(
    group: str = GROUP,
    out: Path = typer.Option(
        ..., "--out", help="Key file to give partners (mode 0600; send it over a trusted channel)."
    ),
    by: str | None = BY,
    db: str | None = DB_OPTION,
) -> None:
    """Make a new key for the group (the newest key is the one exports use; older keys still match)."""
    from tipwatch.services.exchange import create_key

    with _opened(db) as (store, secret):
        made = create_key(store, secret, group, actor=_actor(by))
    _write_private(out, made.text.encode())
    console.print(f"group {group}: key {made.key_id} created, written to {out}")


@key_app.command("import")
def key_import(
    key_file: Path = typer.Argument(..., help="A key file a partner made with `exchange key create`."),
    group: str = GROUP,
    by: str | None = BY,
    db: str | None = DB_OPTION,
) -> None:
    """Keep a partner's key for the group (sealed under this server's secret)."""
    from tipwatch.services.exchange import import_key

    if not key_file.is_file():
        raise UsageFailure(f"key file not found: {key_file}")
    with _opened(db) as (store, secret):
        key_id = import_key(store, secret, group, key_file.read_bytes(), actor=_actor(by))
    console.print(f"group {group}: key {key_id} imported")


@selectors_app.command("export")
def selectors_export(
    group: str = GROUP,
    out: Path = typer.Option(..., "--out", help="The selector file to write (JSON lines)."),
    case: int | None = typer.Option(None, "--case", help="Only the posts of this case (and of its networks)."),
    network: str | None = typer.Option(None, "--network", help="Only the posts of this network."),
    min_risk: float | None = typer.Option(None, "--min-risk", min=0.0, max=1.0, help="Only posts at or above it."),
    purpose: str = PURPOSE,
    legal_basis: str = LEGAL_BASIS,
    by: str | None = BY,
    db: str | None = DB_OPTION,
) -> None:
    """Write the store's selectors (type, keyed selector, first/last day seen, post count): no values, no text."""
    from tipwatch.services.exchange import ValueScope, export_selectors

    scope = ValueScope(case_id=case, network_id=network, min_risk=min_risk)
    tmp = out.with_name(f".{out.name}.part")  # the file appears whole or not at all
    try:
        with _opened(db) as (store, secret), tmp.open("wb") as fh:
            summary = export_selectors(
                store, secret, group, fh, purpose=purpose, legal_basis=legal_basis, actor=_actor(by), scope=scope
            )
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_type.items())) or "none"
    console.print(f"{summary.selectors} selector(s) with key {summary.key_id} written to {out} ({kinds})")


@selectors_app.command("match")
def selectors_match(
    selector_file: Path = typer.Argument(..., help="A partner's selector file (JSON lines)."),
    group: str = GROUP,
    purpose: str = PURPOSE,
    legal_basis: str = LEGAL_BASIS,
    by: str | None = BY,
    db: str | None = DB_OPTION,
) -> None:
    """Print one JSON line per selector of the file this store holds: type, selector, local post and network ids."""
    from tipwatch.services.exchange import match_selectors

    if not selector_file.is_file():
        raise UsageFailure(f"selector file not found: {selector_file}")
    with _opened(db) as (store, secret), selector_file.open("rb") as fh:
        result = match_selectors(store, secret, group, fh, purpose=purpose, legal_basis=legal_basis, actor=_actor(by))
    for match in result.matches:
        stdout_write(orjson.dumps(match.as_json()).decode())
    for line, reason in result.errors:
        console.print(f"{selector_file}: line {line}: {reason}")
    console.print(
        f"{result.lines} line(s) = {result.selectors} selector(s) + {result.bad} bad; {len(result.matches)} matched"
    )
    if result.bad:
        raise CommandError(f"{result.bad} bad line(s) in {selector_file} (the rest was matched)")
