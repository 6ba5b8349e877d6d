"""Reviewer labels: kept with author, latest decision wins, unknown posts refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from tipwatch.model import Assessment, Post, PostResult
from tipwatch.services.labels import UnknownPosts, add_labels, export_training_rows, iter_training_rows
from tipwatch.store.facade import Store, open_store
from tipwatch.store.writer import PostWriter, start_run


@pytest.fixture
def store(engine: sa.Engine, db_url: str) -> Iterator[Store]:
    with open_store(db_url, migrate=False) as opened:
        yield opened


def _store(engine: sa.Engine, ids: list[str]) -> None:
    run = start_run(engine, "test", [], None)
    writer = PostWriter(engine, run)
    writer.write(
        [
            PostResult(Post(id=i, source="s", position="p", title=f"t{i}", body=f"b{i}"), [], [], Assessment(0.1))
            for i in ids
        ]
    )


def test_latest_label_wins(engine: sa.Engine, store: Store) -> None:
    _store(engine, ["a", "b", "c"])
    add_labels(store, ["a", "b"], 1, author="rev1", origin="reviewer")
    add_labels(store, ["b"], 0, author="rev2", origin="reviewer", note="independent adult")
    rows = list(iter_training_rows(store))
    assert [(r["id"], r["label"], r["author"]) for r in rows] == [("a", 1, "rev1"), ("b", 0, "rev2")]
    assert rows[0]["title"] == "ta" and rows[0]["body"] == "ba"


def test_unknown_posts_refused(engine: sa.Engine, store: Store) -> None:
    _store(engine, ["a"])
    with pytest.raises(UnknownPosts, match="zzz"):
        add_labels(store, ["a", "zzz"], 1, author="r", origin="reviewer")
    with pytest.raises(ValueError):
        add_labels(store, ["a"], 2, author="r", origin="reviewer")
    assert list(iter_training_rows(store)) == []


def test_training_export_writes_latest_decisions_as_json_lines(engine: sa.Engine, store: Store, tmp_path: Path) -> None:
    _store(engine, ["a", "b"])
    add_labels(store, ["b", "a"], 1, author="rev1")
    add_labels(store, ["a"], 0, author="rev2")
    out = tmp_path / "labels.jsonl"
    assert export_training_rows(store, out) == 2
    lines = out.read_bytes().splitlines()
    assert [list(orjson.loads(line)) for line in lines] == [["id", "kind", "title", "body", "label", "author"]] * 2
    assert [(r["id"], r["label"], r["author"]) for r in map(orjson.loads, lines)] == [
        ("a", 0, "rev2"),
        ("b", 1, "rev1"),
    ]
