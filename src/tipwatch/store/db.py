"""Open a database and bring its schema to the newest migration.

Default: a SQLite file under ./tipwatch-data/. Otherwise ``--db URL`` or ``TIPWATCH_DATABASE_URL``
(e.g. ``postgresql+psycopg://user@host/db``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

DEFAULT_DIR = Path("tipwatch-data")
ENV_URL = "TIPWATCH_DATABASE_URL"


def resolve_url(url: str | None = None) -> str:
    if url:
        return url
    env = os.environ.get(ENV_URL)
    if env:
        return env
    return f"sqlite:///{DEFAULT_DIR / 'tipwatch.db'}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the report and the web UI read while a run writes; NORMAL sync is safe with WAL.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def open_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """Create an engine for ``url`` (see resolve_url) and, unless told not to, upgrade its schema."""
    resolved = resolve_url(url)
    if resolved.startswith("sqlite:///"):
        path = Path(resolved.removeprefix("sqlite:///"))
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(resolved, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade(engine)
    return engine


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    # "heads": each capability keeps its own migration branch off the core tables.
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
