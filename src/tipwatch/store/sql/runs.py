"""RunStore on SQLAlchemy: run rows and the batch writer (store/writer.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from sqlalchemy import Engine

from tipwatch.store.interface.runs import Counts, PostSink, RunStore
from tipwatch.store.writer import PostWriter, finish_run, start_run


class SqlRuns(RunStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def start(self, command: str, inputs: Sequence[str], model: str | None) -> int:
        return start_run(self._engine, command, inputs, model)

    def finish(self, run_id: int, counts: Counts, status: str) -> None:
        finish_run(self._engine, run_id, counts, status)

    def sink(self, run_id: int, quarantine_file: IO[bytes] | None = None) -> PostSink:
        return PostWriter(self._engine, run_id, quarantine_file)
