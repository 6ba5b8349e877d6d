"""`tipwatch cases`: open a case, list cases, add posts and networks to one, show one (services.cases).

Machine-friendly: ``create`` prints the new case id on stdout; ``--json`` prints JSON on stdout; messages go to
stderr. A refused request (unknown case, post or network, bad value) exits 2.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import orjson
import typer

from tipwatch.cli.common import DB_OPTION, UsageFailure, console, open_store, refused, stdout_write
from tipwatch.cli.export_level import GROUP, LEVEL, export_ask

app = typer.Typer(help="Cases: named sets of posts and networks with notes, status and assignee.", no_args_is_help=True)

BY_HELP = "Who does it (default: the login name)."


def _by(by: str | None) -> str:
    return by or getpass.getuser()


def _json(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_NAIVE_UTC).decode()


@app.command("create")
def create(
    title: str = typer.Argument(..., help="The case title."),
    assignee: str | None = typer.Option(None, "--assignee", help="Who works on it."),
    priority: str = typer.Option("normal", "--priority", help="low, normal, high or urgent."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Open a case; prints its id."""
    from tipwatch.services.cases import CaseError, create_case

    with open_store(db) as store, refused(CaseError):
        case = create_case(store, title, created_by=_by(by), assignee=assignee, priority=priority)
    stdout_write(str(case.id))
    console.print(f"case {case.id} opened: {case.title}")


@app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, "--status", help="open, in_progress, closed or referred."),
    assignee: str | None = typer.Option(None, "--assignee", help="Only cases assigned to this name."),
    offset: int = typer.Option(0, "--offset", min=0),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    as_json: bool = typer.Option(False, "--json", help="One JSON object: items, total, offset, limit."),
    db: str | None = DB_OPTION,
) -> None:
    """List cases, most recently updated first."""
    from tipwatch.services.cases import CaseError, list_cases

    with open_store(db) as store, refused(CaseError):
        page = list_cases(store, status=status, assignee=assignee, offset=offset, limit=limit)
    if as_json:
        stdout_write(_json(page))
        return
    for c in page.items:
        stdout_write(f"{c.id}\t{c.status}\t{c.priority}\t{c.assignee or '-'}\t{c.title}")
    console.print(f"{len(page.items)} of {page.total} case(s)")


@app.command("add")
def add(
    case_id: int = typer.Argument(..., help="The case id."),
    post: list[str] = typer.Option([], "--post", help="A post id (repeat for more)."),
    network: list[str] = typer.Option([], "--network", help="A network id as `tipwatch networks` writes it (repeat)."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Add posts and networks to a case (all must exist; nothing is added otherwise)."""
    from tipwatch.services.cases import CaseError, add_to_case

    if not post and not network:
        raise UsageFailure("give --post or --network")
    with open_store(db) as store, refused(CaseError):
        posts, nets = add_to_case(store, case_id, post_ids=post, network_ids=network, actor=_by(by))
    console.print(f"case {case_id}: {len(posts)} post(s) and {len(nets)} network(s) added")


@app.command("show")
def show(
    case_id: int = typer.Argument(..., help="The case id."),
    as_json: bool = typer.Option(False, "--json", help="The case with posts, networks, notes and events as JSON."),
    db: str | None = DB_OPTION,
) -> None:
    """Show a case: its fields, posts, networks, notes and history."""
    from tipwatch.services.cases import CaseError, show_case

    with open_store(db) as store, refused(CaseError):
        detail = show_case(store, case_id)
    if as_json:
        stdout_write(_json(detail))
        return
    c = detail.case
    stdout_write(f"case {c.id}: {c.title}")
    stdout_write(f"status {c.status}, priority {c.priority}, assignee {c.assignee or '-'}, opened by {c.created_by}")
    stdout_write(f"posts: {', '.join(p.id for p in detail.posts) or '-'}")
    gone = set(detail.gone_networks)
    nets = [f"{n.id} (gone)" if n.id in gone else n.id for n in detail.networks]
    stdout_write(f"networks: {', '.join(nets) or '-'}")
    for note in detail.notes:
        stdout_write(f"note {note.created_at:%Y-%m-%d %H:%M} {note.author}: {note.text}")
    for e in detail.events:
        stdout_write(f"event {e.created_at:%Y-%m-%d %H:%M} {e.actor} {e.kind} {e.old or ''} -> {e.new or ''}")


@app.command("note")
def note(
    case_id: int = typer.Argument(..., help="The case id."),
    text: str = typer.Argument(..., help="The note (notes are never edited: a correction is a new note)."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Append a note to a case."""
    from tipwatch.services.cases import CaseError, add_note

    with open_store(db) as store, refused(CaseError):
        n = add_note(store, case_id, text, author=_by(by))
    console.print(f"case {case_id}: note {n.id} added")


@app.command("set")
def set_cmd(
    case_id: int = typer.Argument(..., help="The case id."),
    status: str | None = typer.Option(None, "--status", help="open, in_progress, closed or referred."),
    assignee: str | None = typer.Option(None, "--assignee", help='Who works on it ("" unassigns).'),
    priority: str | None = typer.Option(None, "--priority", help="low, normal, high or urgent."),
    title: str | None = typer.Option(None, "--title"),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Change a case's status, assignee, priority or title (each change is kept in its history)."""
    from tipwatch.services.cases import CaseError, update_case

    with open_store(db) as store, refused(CaseError):
        if assignee is None:
            c = update_case(store, case_id, actor=_by(by), status=status, priority=priority, title=title)
        else:
            c = update_case(
                store, case_id, actor=_by(by), status=status, priority=priority, title=title, assignee=assignee
            )
    console.print(f"case {c.id}: {c.status}, {c.priority}, {c.assignee or '-'}: {c.title}")


@app.command("export")
def export(
    case_id: int = typer.Argument(..., help="The case id."),
    fmt: str = typer.Option(
        "json", "--format", help="json (HTCDS field names where they apply), html, or pdf (printed by Chromium)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write to this file (default: standard output; not pdf)."),
    with_bundle: bool = typer.Option(
        False, "--with-bundle", help="Also write the case's signed evidence bundle beside it (OUT-evidence.wacz)."
    ),
    referred_to: str | None = typer.Option(None, "--to", help="The authority the case is referred to."),
    details: str = typer.Option("", "--details", help="Referral details (cas_OutgoingReferralDetails)."),
    why: str = typer.Option("", "--why", help="Why it is exported (kept in the audit log; needed for --level full)."),
    level: str = LEVEL,
    group: str | None = GROUP,
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Export a case for an authority: posts with their grounds and identifiers, evidence items with their hashes,
    networks, notices, and abuse-material matches as hashes only (never pictures). Redacted by default; --level full
    needs --why (and --with-bundle needs --level full). Audited."""
    from tipwatch.cli.common import config
    from tipwatch.services.case_export import FORMATS, ExportError, render
    from tipwatch.services.cases import CaseError
    from tipwatch.services.evidence import EvidenceError
    from tipwatch.services.exports import RedactionRefused, export_case, write_case

    if fmt not in FORMATS:
        raise UsageFailure(f"--format: one of {', '.join(FORMATS)}, not {fmt!r}")
    if out is None and (fmt == "pdf" or with_bundle):
        raise UsageFailure("--out FILE is needed for a PDF or with --with-bundle")
    cfg = config(database_url=db)
    ask = export_ask(level, why, group, _by(by))
    options = {"organisation": cfg.notices.notifier_name, "referred_to": referred_to, "details": details}
    with open_store(db, cfg) as store, refused(CaseError, EvidenceError, ExportError, RedactionRefused):
        if out is None:
            doc = export_case(store, cfg.server_secret(), case_id, ask, **options)
            stdout_write(render(doc, fmt).decode("utf-8").rstrip("\n"))
            return
        written = write_case(
            store,
            cfg.server_secret(),
            cfg.data_dir,
            case_id,
            out,
            ask,
            fmt=fmt,
            with_bundle=with_bundle,
            tsa_url=cfg.tsa_url,
            tsa_allow_private=cfg.tsa_allow_private,
            **options,
        )
    console.print(f"case {case_id} exported to {written.document}")
    if written.bundle is not None:
        console.print(f"evidence bundle: {written.bundle} (manifest SHA-256 {written.manifest_sha256})")
