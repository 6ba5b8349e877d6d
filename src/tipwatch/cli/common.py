"""Shared CLI helpers: errors that end a command with exit code 1, and the Rich console."""

from __future__ import annotations

import sys

from rich.console import Console

# Human-facing messages go to stderr so that stdout stays clean for machine-friendly commands. Messages carry
# user-controlled text (file names, record reasons): no markup parsing (a "[/x]" in a name must not break or style
# the output) and no hard wrapping (a path with its line number stays on one line, for people and for grep).
console = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)


class CommandError(Exception):
    """A failure the user can act on: printed without a traceback, exit code 1."""


def fail(message: str) -> None:
    raise CommandError(message)


def stdout_write(line: str) -> None:
    sys.stdout.write(line)
    sys.stdout.write("\n")
