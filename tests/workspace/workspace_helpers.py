"""Posts stored through the real writer, for the review queue and case tests."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from tipwatch.model import Assessment, Post, PostResult
from tipwatch.store.writer import PostWriter, finish_run, start_run


def fill(engine: sa.Engine, posts: Sequence[tuple[str, float, str | None]]) -> int:
    """Store posts (id, risk, platform) in one run; returns the run id."""
    run = start_run(engine, "test", [], None)
    writer = PostWriter(engine, run)
    writer.write(
        [
            PostResult(
                Post(id=pid, source="s", position=f"line {n}", title=f"t{pid}", body=f"b{pid}", platform=platform),
                [],
                [],
                Assessment(risk),
            )
            for n, (pid, risk, platform) in enumerate(posts, start=1)
        ]
    )
    finish_run(engine, run, writer.counts, "ok")
    return run
