"""`tipwatch users ...`: web workspace accounts (add, list, disable, set-role, set-password). Every change is
written to the audit log with the operating-system user as the actor."""

from __future__ import annotations

import getpass
import sys

import orjson
import typer

from tipwatch.cli.common import DB_OPTION, console, fail, open_store, stdout_write

app = typer.Typer(
    help="Accounts of the web workspace (roles: viewer < analyst < supervisor < admin).", no_args_is_help=True
)

ROLE_HELP = "viewer, analyst, supervisor or admin."
WHY_OPTION = typer.Option("", "--why", help="Why (kept in the audit log).")


def cli_actor() -> str:
    """Who acts from the command line: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (some containers)
        return "cli:unknown"


def read_password() -> str:
    """A password typed twice at a terminal, or the first line of standard input when it is not a terminal."""
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True))
    line = sys.stdin.readline()
    password = line.removesuffix("\n").removesuffix("\r")
    if not password:
        fail("no password: give it on the first line of standard input")
    return password


@app.command("add")
def add(
    name: str = typer.Argument(..., help="User name (letters, digits, . _ @ -)."),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    face_search: bool = typer.Option(False, "--face-search", help="Allow face search (a separate permission)."),
    why: str = WHY_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Add a user. The password is asked twice at a terminal, else read from the first line of standard input."""
    from tipwatch.services.accounts import AccountError, add_user

    password = read_password()
    with open_store(db) as store:
        try:
            user = add_user(store, name, password, role=role, face_search=face_search, actor=cli_actor(), why=why)
        except AccountError as exc:
            fail(str(exc))
            return
    console.print(f"user {user.name!r} added ({user.role}{', face search' if user.face_search else ''})")


@app.command("list")
def list_(db: str | None = DB_OPTION) -> None:
    """Print every user as a JSON line (never the password hash)."""
    from tipwatch.services.accounts import list_users

    with open_store(db) as store:
        for u in list_users(store):
            row = {
                "id": u.id,
                "name": u.name,
                "role": u.role,
                "face_search": u.face_search,
                "disabled": u.disabled,
                "created_at": u.created_at.isoformat(),
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            stdout_write(orjson.dumps(row).decode())


@app.command("disable")
def disable(name: str = typer.Argument(...), why: str = WHY_OPTION, db: str | None = DB_OPTION) -> None:
    """Disable a user: no more logins; their open sessions end."""
    from tipwatch.services.accounts import AccountError, disable_user

    with open_store(db) as store:
        try:
            disable_user(store, name, actor=cli_actor(), why=why)
        except AccountError as exc:
            fail(str(exc))
    console.print(f"user {name!r} disabled")


@app.command("set-role")
def set_role(
    name: str = typer.Argument(...),
    role: str = typer.Option(..., "--role", help=ROLE_HELP),
    face_search: bool | None = typer.Option(None, "--face-search/--no-face-search", help="Also set face search."),
    why: str = WHY_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Change a user's role (and, if given, the face-search permission)."""
    from tipwatch.services.accounts import AccountError
    from tipwatch.services.accounts import set_role as _set_role

    with open_store(db) as store:
        try:
            user = _set_role(store, name, role, face_search=face_search, actor=cli_actor(), why=why)
        except AccountError as exc:
            fail(str(exc))
            return
    console.print(f"user {user.name!r} is now {user.role}{' with face search' if user.face_search else ''}")


@app.command("set-password")
def set_password(name: str = typer.Argument(...), why: str = WHY_OPTION, db: str | None = DB_OPTION) -> None:
    """Give a user a new password (asked twice, or the first line of standard input); their sessions end."""
    from tipwatch.services.accounts import AccountError
    from tipwatch.services.accounts import set_password as _set_password

    password = read_password()
    with open_store(db) as store:
        try:
            _set_password(store, name, password, actor=cli_actor(), why=why)
        except AccountError as exc:
            fail(str(exc))
    console.print(f"password of {name!r} changed")
