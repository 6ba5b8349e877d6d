"""Open a database and bring its schema to the newest migration.

Default: a SQLite file under ./tipwatch-data/. Otherwise ``--db URL`` or ``TIPWATCH_DATABASE_URL``
(e.g. ``postgresql+psycopg://user@host/db``).

A URL that cannot be a store (``bogus``, a directory, an unknown dialect, an in-memory SQLite database that would
keep nothing after the command) raises StoreURLError before anything is done: the CLI prints it on one line and
exits 2. Migrations run under a lock (a file lock beside a SQLite file, ``pg_advisory_lock`` on PostgreSQL) so that
two commands starting on a brand-new store do not both create its tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

DEFAULT_DIR = Path("tipwatch-data")
ENV_URL = "TIPWATCH_DATABASE_URL"
DIALECTS = ("sqlite", "postgresql")
_EXAMPLES = "e.g. sqlite:///tipwatch-data/tipwatch.db or postgresql+psycopg://user@host/dbname"
# pg_advisory_lock key for migrations: any fixed 64-bit number, the same in every tipwatch process.
MIGRATION_LOCK_KEY = 0x7469707761746368  # "tipwatch"
# Seconds a SQLite writer waits for another process's write to finish (two runs on one store take turns).
SQLITE_BUSY_TIMEOUT = 120


class StoreURLError(ValueError):
    """The database URL cannot be a store; the message says why in one line (the CLI exits 2)."""


def check_url(url: str) -> URL:
    """Parse and check a database URL (see the module docstring); never shows a password."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StoreURLError(f"--db {url!r} is not a database URL ({_EXAMPLES})") from exc
    shown = parsed.render_as_string(hide_password=True) if parsed.password else url
    backend = parsed.get_backend_name()
    if backend not in DIALECTS:
        raise StoreURLError(f"--db {shown}: unsupported database {backend!r}; tipwatch stores in sqlite or postgresql")
    if backend == "sqlite":
        database = parsed.database or ""
        in_memory = (
            database in ("", ":memory:") or database.startswith("file::memory:") or parsed.query.get("mode") == "memory"
        )
        if in_memory:
            raise StoreURLError(
                f"--db {shown} is an in-memory database: it keeps nothing after the command ends; give a file, "
                "e.g. sqlite:///tipwatch-data/tipwatch.db"
            )
        if Path(database).is_dir():
            raise StoreURLError(f"--db {shown}: {database} is a directory; name a database file in it")
    return parsed


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
    """Create an engine for ``url`` (see resolve_url) and, unless told not to, upgrade its schema.

    Raises StoreURLError for a URL that cannot be a store (checked before any file is created)."""
    resolved = resolve_url(url)
    parsed = check_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, future=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})
        else:
            engine = create_engine(parsed, future=True)
    except (NoSuchModuleError, ArgumentError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise StoreURLError(f"--db {shown}: unknown database driver ({exc})") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade(engine)
    return engine


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the store's migration lock: one process migrates at a time, the others wait, then find nothing to do."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield  # nothing another process could share
        return
    from filelock import FileLock

    with FileLock(f"{database}.migrate.lock"):
        yield


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "heads") -> None:
    # "heads": each capability keeps its own migration branch off the core tables.
    from alembic import command

    with migration_lock(engine):
        command.upgrade(alembic_config(engine), revision)


def schema_current(engine: Engine) -> bool:
    """Whether the database answers and holds every migration head (raises the driver's error when unreachable)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == heads
