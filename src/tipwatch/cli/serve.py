"""`tipwatch serve`: the web workspace under Uvicorn. Each worker process builds its own app (factory mode) from the
configuration, which reaches the workers through the environment (``TIPWATCH_DATABASE_URL``, ``TIPWATCH_CONFIG``)."""

from __future__ import annotations

import ipaddress
import json
import os
from pathlib import Path

import typer

from tipwatch.cli.common import DB_OPTION, config, console, fail, get_config_file

FACTORY = "tipwatch.web.app:app_from_environment"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
    db: str | None = DB_OPTION,
    images: list[Path] | None = typer.Option(
        None,
        "--images",
        help="Folder the posts' image files are in (repeatable). Pictures are served only from these folders, "
        "blurred until clicked, audited, never restricted ones.",
    ),
) -> None:
    """Serve the web workspace and its JSON API (put TLS in front of it unless it listens on loopback)."""
    import uvicorn

    cfg = config(database_url=db, image_roots=list(images) if images else None)
    if cfg.plain_http_loopback and not _loopback(host):
        fail(f"plain_http_loopback is set but --host {host} is not a loopback address: serve over https instead")
    try:
        cfg.server_secret()  # created now, once, not by racing workers
    except (ValueError, OSError) as exc:
        fail(f"server secret: {exc}")
    os.environ["TIPWATCH_DATABASE_URL"] = cfg.default_database_url()
    os.environ["TIPWATCH_IMAGE_ROOTS"] = json.dumps([str(p) for p in cfg.image_roots])
    config_file = get_config_file()
    if config_file is not None:
        os.environ["TIPWATCH_CONFIG"] = str(config_file)
    # The schema is migrated here, once, before the workers start.
    from tipwatch.store.facade import open_store

    open_store(cfg.default_database_url()).close()
    console.print(f"serving on {host}:{port} with {workers} worker(s)")
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers, proxy_headers=False, server_header=False)
