"""Shared CLI helpers: errors that end a command (exit 1, or 2 for bad usage), the Rich console, the ``--db``
option declared once, and opening the store from the configuration."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from tipwatch.config import Config
    from tipwatch.store.facade import Store

# Human-facing messages go to stderr so that stdout stays clean for machine-friendly commands. Messages carry
# user-controlled text (file names, record reasons): no markup parsing (a "[/x]" in a name must not break or style
# the output) and no hard wrapping (a path with its line number stays on one line, for people and for grep).
console = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)


class CommandError(Exception):
    """A failure the user can act on: printed without a traceback, exit code 1."""

    exit_code = 1


class UsageFailure(CommandError):
    """Bad usage found after parsing (a wrong config value or database URL): exit code 2, like Click's."""

    exit_code = 2


@contextmanager
def refused(*errors: type[Exception]) -> Iterator[None]:
    """A service's refusal (one of ``errors``: a bad id, a forbidden change) ends the command as bad usage (exit 2)
    with the service's message."""
    try:
        yield
    except errors as exc:
        raise UsageFailure(str(exc)) from None


def fail(message: str) -> None:
    raise CommandError(message)


def stdout_write(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.write("\n")


DB_HELP = "Database URL (default: TIPWATCH_DATABASE_URL, the config file, or SQLite under ./tipwatch-data/)."
# The one declaration of --db: every command that opens the store takes it.
DB_OPTION: Any = typer.Option(None, "--db", help=DB_HELP)

# Set by the app's callback from the global --config option.
_config_file: dict[str, Path | None] = {"path": None}


def set_config_file(path: Path | None) -> None:
    _config_file["path"] = path


def get_config_file() -> Path | None:
    return _config_file["path"]


def config(**flags: Any) -> Config:
    """The configuration: these flags (None = not given), the environment, the config file, the defaults."""
    from tipwatch.config import ConfigError, load_config

    try:
        return load_config(_config_file["path"], **flags)
    except ConfigError as exc:
        raise UsageFailure(str(exc)) from None


def open_store(db: str | None, cfg: Config | None = None) -> Store:
    """The store named by ``--db`` (or the configuration), migrated to the newest schema. A command that already
    read the configuration passes it (``cfg``) instead of reading it again."""
    from tipwatch.store.facade import open_store as _open

    return _open((cfg or config(database_url=db)).default_database_url())


def link_summary_line(summary: Any) -> str:
    """One line on what a link update did (``services.networks`` summary)."""
    how = "full build" if summary.full else "incremental"
    return (
        f"linked {summary.new_posts} new of {summary.posts} posts ({how}, {summary.seconds:.1f}s): "
        f"{summary.networks} networks, {summary.networks_changed} updated, {summary.networks_removed} removed"
    )
