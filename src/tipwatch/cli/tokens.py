"""`tipwatch tokens ...`: API tokens for machines (create, list, revoke). `create` prints the token once, alone on
stdout; only its keyed hash is kept."""

from __future__ import annotations

import orjson
import typer

from tipwatch.cli.common import DB_OPTION, config, console, fail, open_store, stdout_write
from tipwatch.cli.users import WHY_OPTION, cli_actor

app = typer.Typer(help="API tokens (scopes: read, scan, ingest).", no_args_is_help=True)


@app.command("create")
def create(
    name: str = typer.Option(..., "--name", help="What the token is for, e.g. 'scanner on host 3'."),
    scopes: list[str] = typer.Option(..., "--scope", help="read, scan or ingest; repeat for several."),
    why: str = WHY_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Create a token. Its value is printed once, on its own line on stdout (nothing else goes to stdout)."""
    from tipwatch.config import ConfigError
    from tipwatch.services.accounts import AccountError, create_token

    cfg = config(database_url=db)
    try:
        secret = cfg.server_secret()
    except (ConfigError, OSError) as exc:
        fail(f"server secret: {exc}")
        return
    with open_store(db, cfg) as store:
        try:
            token, record = create_token(store, name, scopes, secret=secret, actor=cli_actor(), why=why)
        except AccountError as exc:
            fail(str(exc))
            return
    stdout_write(token)
    console.print(
        f"token {record.id} ({record.prefix}...) created with scopes {', '.join(record.scopes)}; "
        "it is shown only this once"
    )


@app.command("list")
def list_(db: str | None = DB_OPTION) -> None:
    """Print every token's record as a JSON line (never the token)."""
    from tipwatch.services.accounts import list_tokens

    with open_store(db) as store:
        for t in list_tokens(store):
            row = {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "scopes": list(t.scopes),
                "created_by": t.created_by,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            stdout_write(orjson.dumps(row).decode())


@app.command("revoke")
def revoke(
    token_id: int = typer.Argument(..., help="Token id (see `tipwatch tokens list`)."),
    why: str = WHY_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Revoke a token for good."""
    from tipwatch.services.accounts import AccountError, revoke_token

    with open_store(db) as store:
        try:
            revoke_token(store, token_id, actor=cli_actor(), why=why)
        except AccountError as exc:
            fail(str(exc))
    console.print(f"token {token_id} revoked")
