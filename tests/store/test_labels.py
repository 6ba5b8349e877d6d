"""Reviewer labels: kept with author, latest decision wins, unknown posts refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tipwatch.model import Assessment, Post, PostResult
from tipwatch.store.labels import UnknownPosts, add_labels, iter_training_rows
from tipwatch.store.writer import PostWriter, start_run


def _store(engine: sa.Engine, ids: list[str]) -> None:
    run = start_run(engine, "test", [], None)
    writer = PostWriter(engine, run)
    writer.write(
        [
            PostResult(Post(id=i, source="s", position="p", title=f"t{i}", body=f"b{i}"), [], [], Assessment(0.1))
            for i in ids
        ]
    )


def test_latest_label_wins(engine: sa.Engine) -> None:
    _store(engine, ["a", "b", "c"])
    add_labels(engine, ["a", "b"], 1, author="rev1", origin="reviewer")
    add_labels(engine, ["b"], 0, author="rev2", origin="reviewer", note="independent adult")
    rows = list(iter_training_rows(engine))
    assert [(r["id"], r["label"], r["author"]) for r in rows] == [("a", 1, "rev1"), ("b", 0, "rev2")]
    assert rows[0]["title"] == "ta" and rows[0]["body"] == "ba"


def test_unknown_posts_refused(engine: sa.Engine) -> None:
    _store(engine, ["a"])
    with pytest.raises(UnknownPosts, match="zzz"):
        add_labels(engine, ["a", "zzz"], 1, author="r", origin="reviewer")
    with pytest.raises(ValueError):
        add_labels(engine, ["a"], 2, author="r", origin="reviewer")
    assert list(iter_training_rows(engine)) == []
