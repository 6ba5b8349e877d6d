"""The options every export command shares: its level (tipwatch.redact), the purpose and, for selectors, the
sharing group whose key makes them. The CLI's user can read the store itself, so it exports as ``admin``; the
default is still the redacted level, and a full export needs ``--purpose``."""

from __future__ import annotations

import getpass

import typer

from tipwatch.services.exports import ExportAsk

LEVEL = typer.Option(
    "redacted",
    "--level",
    help="selectors (keyed selectors only: needs --group), redacted (identifiers and names masked) or full "
    "(as stored: needs --purpose).",
)
PURPOSE = typer.Option("", "--purpose", help="Why it is exported (kept in the audit log; needed for --level full).")
GROUP = typer.Option(None, "--group", help="The sharing group whose key makes the selectors (--level selectors).")
CLI_ROLE = "admin"


def export_ask(level: str, purpose: str, group: str | None, by: str | None = None) -> ExportAsk:
    return ExportAsk(actor=by or getpass.getuser(), role=CLI_ROLE, level=level, purpose=purpose, group=group)
