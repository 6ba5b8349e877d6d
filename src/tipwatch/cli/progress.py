"""Progress bars (rate and ETA) for long work, and cheap up-front estimates of how much work there is."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from tipwatch.cli.common import console

# One record per line (a .json file may be one big array: its lines say nothing about its records).
_LINE_FORMATS = {".jsonl", ".ndjson", ".csv", ".tsv"}
_HTML = {".html", ".htm"}


class RateColumn(ProgressColumn):
    """Records per second (Rich's own speed column is for bytes)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("?/s" if speed is None else f"{speed:,.0f}/s", style="progress.data.speed")


def progress_bar() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _count_lines(path: Path) -> int:
    n = 0
    last = b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (0 if last == b"\n" else 1)


def estimate_records(paths: Iterable[Path]) -> int | None:
    """Records in the inputs, when that is cheap to know (uncompressed line files, HTML folders); else None."""
    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(1 for p in path.rglob("*") if p.suffix.lower() in _HTML and p.is_file())
        elif path.suffix.lower() in _LINE_FORMATS:
            lines = _count_lines(path)
            total += max(0, lines - 1) if path.suffix.lower() in {".csv", ".tsv"} else lines
        elif path.suffix.lower() in _HTML:
            total += 1
        else:
            return None
    return total
