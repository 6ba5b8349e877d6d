"""Shared CLI helpers: errors that end a command with exit code 1, and the Rich console."""

from __future__ import annotations

import sys

from rich.console import Console

# Human-facing messages go to stderr so that stdout stays clean for machine-friendly commands.
console = Console(stderr=True)


class CommandError(Exception):
    """A failure the user can act on: printed without a traceback, exit code 1."""


def fail(message: str) -> None:
    raise CommandError(message)


def stdout_write(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.write("\n")
