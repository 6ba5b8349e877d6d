"""`tipwatch notices`: draft takedown notices (DSA Art. 16), approve (as an authenticated supervisor), send, mark a
platform's answer, re-check the URLs, list, and the transparency report (services.notices).

Machine-friendly: ``draft`` prints the new notice ids on stdout; ``--json`` prints JSON on stdout; messages go to
stderr. A refused request (unknown notice, wrong state, drafter approving) exits 2; a failed send exits 1.
"""

from __future__ import annotations

import csv
import getpass
import io
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import orjson
import typer

from tipwatch.cli.common import DB_OPTION, CommandError, UsageFailure, config, console, open_store, stdout_write

app = typer.Typer(
    help="Takedown notices (DSA Art. 16): draft, approve, send and track until removal.", no_args_is_help=True
)

BY_HELP = "Who does it (default: the login name)."
NOTICE_ID = typer.Argument(..., help="The notice id.", min=1)


def _by(by: str | None) -> str:
    return by or getpass.getuser()


def _json(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_NAIVE_UTC).decode()


def _refused(exc: Exception) -> CommandError:
    reason = getattr(exc, "reason", "")
    return CommandError(str(exc)) if reason == "send_failed" else UsageFailure(str(exc))


def notice_dict(n: Any) -> dict[str, Any]:
    """A notice as JSON-able data, with its time to removal in hours."""
    from tipwatch.services.notices import time_to_removal

    row = asdict(n)
    row["actual_knowledge_at"] = row["sent_at"]  # DSA Art. 16(3): the host knows from the moment it got the notice
    ttr = time_to_removal(n)
    row["hours_to_removal"] = None if ttr is None else round(ttr.total_seconds() / 3600, 3)
    return row


@app.command("draft")
def draft_cmd(
    post: str | None = typer.Option(None, "--post", help="A post id."),
    network: str | None = typer.Option(None, "--network", help="A network id: one notice per platform hosting it."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Draft one notice per hosting platform; prints the new notice ids."""
    from tipwatch.services.notices import NoticeError, draft

    cfg = config(database_url=db)
    with open_store(db, cfg) as store:
        try:
            result = draft(store, post_id=post, network_id=network, drafted_by=_by(by), settings=cfg.notices)
        except NoticeError as exc:
            raise _refused(exc) from None
    for pid, why in result.skipped:
        console.print(f"skipped {pid}: {why}")
    for n in result.notices:
        stdout_write(str(n.id))
        console.print(f"notice {n.id} drafted for {n.platform_name} ({len(n.urls)} URL(s), {n.channel})")
    if not result.notices:
        raise CommandError("no notice drafted")


@app.command("approve")
def approve_cmd(
    notice_id: int = NOTICE_ID,
    as_user: str = typer.Option(..., "--as", help="The approving supervisor's user name (not the drafter)."),
    why: str = typer.Option("", "--why", help="Why (kept in the audit log)."),
    db: str | None = DB_OPTION,
) -> None:
    """Approve a draft as a supervisor: the password is asked at a terminal, else read from standard input."""
    from tipwatch.cli.users import read_password
    from tipwatch.services.accounts import AccountError, authenticate
    from tipwatch.services.notices import NoticeError, approve

    password = read_password()
    with open_store(db) as store:
        try:
            user = authenticate(store, as_user, password, address="cli")
        except AccountError as exc:
            raise CommandError(str(exc)) from None
        try:
            n = approve(store, notice_id, approver=user.name, approver_role=user.role, why=why)
        except NoticeError as exc:
            raise _refused(exc) from None
    console.print(f"notice {n.id} approved by {n.approved_by}")


@app.command("send")
def send_cmd(
    notice_id: int = NOTICE_ID,
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Send an approved notice (e-mail or webhook, as its platform takes them); the sent time is recorded."""
    from tipwatch.services.notices import NoticeError, send

    cfg = config(database_url=db)
    with open_store(db, cfg) as store:
        try:
            n = send(store, notice_id, actor=_by(by), settings=cfg.notices)
        except NoticeError as exc:
            raise _refused(exc) from None
    assert n.sent_at is not None
    console.print(f"notice {n.id} sent to {n.recipient} at {n.sent_at.isoformat()}")


@app.command("mark")
def mark_cmd(
    notice_id: int = NOTICE_ID,
    state: str = typer.Argument(..., help="sent (filed through a web form), acknowledged, removed or refused."),
    why: str = typer.Option("", "--why", help="What happened (kept with the event and in the audit log)."),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
    db: str | None = DB_OPTION,
) -> None:
    """Record what happened outside tipwatch: a web-form filing, or the platform's answer."""
    from tipwatch.services.notices import NoticeError, mark

    with open_store(db) as store:
        try:
            n = mark(store, notice_id, state, actor=_by(by), why=why)
        except NoticeError as exc:
            raise _refused(exc) from None
    console.print(f"notice {n.id} is {n.state}")


@app.command("recheck")
def recheck_cmd(
    every: float | None = typer.Option(
        None, "--every", min=1, help="Run again every this many minutes until stopped (else once)."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Fetch every sent URL: mark notices removed when their content is gone, overdue when it stays up too long."""
    import time

    from tipwatch.services.notices import NoticeError, recheck

    cfg = config(database_url=db)
    with open_store(db, cfg) as store:
        while True:
            try:
                result = recheck(store, settings=cfg.notices)
            except NoticeError as exc:
                raise _refused(exc) from None
            for nid, url, why in result.errors:
                console.print(f"notice {nid}: {url}: {why}")
            for nid in result.removed:
                console.print(f"notice {nid}: removed")
            for nid in result.overdue:
                console.print(f"notice {nid}: OVERDUE (escalated)")
            done = f"{result.checked} URL(s) checked, {len(result.removed)} removed, {len(result.overdue)} overdue"
            console.print(done)
            if every is None:
                return
            time.sleep(every * 60)


@app.command("list")
def list_cmd(
    state: str | None = typer.Option(None, "--state", help="Only notices in this state."),
    platform: str | None = typer.Option(None, "--platform", help="Only notices to this platform (registry key)."),
    as_json: bool = typer.Option(False, "--json", help="A JSON array of notices with URLs and checks."),
    db: str | None = DB_OPTION,
) -> None:
    """List notices, newest first; overdue ones are flagged."""
    from tipwatch.services.notices import NoticeError, list_notices

    with open_store(db) as store:
        try:
            items = list_notices(store, state=state, platform=platform)
        except NoticeError as exc:
            raise _refused(exc) from None
    if as_json:
        stdout_write(_json([notice_dict(n) for n in items]))
        return
    for n in items:
        flag = "  <- OVERDUE" if n.state == "overdue" else ""
        sent = n.sent_at.isoformat() if n.sent_at else "-"
        stdout_write(f"{n.id}\t{n.state}\t{n.platform}\t{len(n.urls)} URL(s)\tsent {sent}\t{n.origin}{flag}")
    console.print(f"{len(items)} notice(s)")


@app.command("show")
def show_cmd(notice_id: int = NOTICE_ID, db: str | None = DB_OPTION) -> None:
    """Print a notice's text, URLs with their last check, and its history."""
    from tipwatch.services.notices import NoticeError, events, get_notice

    with open_store(db) as store:
        try:
            n = get_notice(store, notice_id)
            history = events(store, notice_id)
        except NoticeError as exc:
            raise _refused(exc) from None
    stdout_write(f"notice {n.id} to {n.platform_name} <{n.recipient}> ({n.channel}): {n.state}")
    stdout_write(f"Subject: {n.subject}")
    stdout_write(n.body)
    for u in n.urls:
        gone = f" removed {u.removed_at.isoformat()}" if u.removed_at else ""
        stdout_write(f"url {u.url} (post {u.post_id}): {u.check_result or 'not checked'}{gone}")
    for e in history:
        stdout_write(f"event {e.created_at.isoformat()} {e.actor}: {e.old or '-'} -> {e.new} {e.why}")


def _day(value: str, option: str) -> datetime:
    try:
        day = datetime.fromisoformat(value)
    except ValueError:
        raise UsageFailure(f"{option}: not a date (YYYY-MM-DD or an ISO time): {value!r}") from None
    return day.replace(tzinfo=UTC) if day.tzinfo is None else day


@app.command("report")
def report_cmd(
    start: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD, UTC) of the period, included."),
    end: str = typer.Option(..., "--to", help="End of the period (YYYY-MM-DD, UTC), excluded."),
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
    db: str | None = DB_OPTION,
) -> None:
    """Transparency export: per platform, notices sent in the period, their outcome and median time to removal."""
    from tipwatch.services.notices import NoticeError, transparency

    if fmt not in ("csv", "json"):
        raise UsageFailure("--format must be csv or json")
    with open_store(db) as store:
        try:
            rows = [asdict(r) for r in transparency(store, _day(start, "--from"), _day(end, "--to"))]
        except NoticeError as exc:
            raise _refused(exc) from None
    if fmt == "json":
        stdout_write(_json({"from": start, "to": end, "platforms": rows}))
        return
    out = io.StringIO()
    fields = ["platform", "sent", "acknowledged", "removed", "refused", "overdue", "open", "median_hours_to_removal"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    stdout_write(out.getvalue().rstrip("\n"))
