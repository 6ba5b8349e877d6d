"""`tipwatch score`: posts as JSON lines on stdin -> one JSON line of risk and indicators per post on stdout.

Machine-friendly contract: output line i answers input line i. Input: ``id`` and ``text`` (or ``title`` + ``body``),
optional ``kind``. Output: ``{"id", "risk", "indicators": [{"code", "category", "start", "end"}]}``; spans index
``text``, or ``title + "\\n" + body``. A line that cannot be scored gives ``{"id": null, "error", "line"}``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from itertools import chain, islice
from pathlib import Path

import typer

from tipwatch.cli.common import fail


def score(
    region: str = typer.Option("IN", "--region", help="Default region for phone numbers without a country code."),
    model: Path | None = typer.Option(None, "--model", help="A classifier trained with `tipwatch train`."),
    workers: int = typer.Option(0, "--workers", help="Worker processes (0: one per core)."),
    batch: int = typer.Option(500, "--batch", min=1, help="Lines per worker task."),
) -> None:
    """Score posts read as JSON lines on stdin; write one JSON line per post to stdout."""
    from tipwatch.engines.local import default_workers, map_ordered
    from tipwatch.engines.workers import init_analyzer, score_lines
    from tipwatch.pipeline import Settings

    if model is not None and not model.is_file():
        fail(f"model file not found: {model}")
    if model is not None:
        from tipwatch.indicators.classifier import ClassifierError, check_model_file

        try:
            check_model_file(model)  # a pickle or foreign file: one line here, not a traceback from a worker
        except ClassifierError as exc:
            fail(str(exc))
    settings = Settings(region=region.upper(), model_path=str(model) if model else None, detect_language=False)
    numbered: Iterator[tuple[int, bytes]] = (
        (n, line.rstrip(b"\r\n")) for n, line in enumerate(sys.stdin.buffer, start=1) if line.strip()
    )
    head = list(islice(numbered, 4 * batch))
    # A short input is scored in this process: starting workers would cost more than it saves.
    n_workers = 1 if len(head) < 4 * batch else (workers or default_workers())
    out = sys.stdout.buffer
    for lines in map_ordered(
        score_lines,
        chain(head, numbered),
        workers=n_workers,
        chunk_size=batch,
        initializer=init_analyzer,
        initargs=(settings,),
    ):
        out.write(b"\n".join(lines) + b"\n")
    out.flush()
