"""`tipwatch label`, `tipwatch labels-export` and `tipwatch report` through the real commands."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from tipwatch.model import Assessment, Post, PostResult
from tipwatch.store.db import open_engine
from tipwatch.store.writer import PostWriter, start_run

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")


def tw(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TIPWATCH, *args], capture_output=True, text=True, timeout=600)


def _fill(url: str) -> None:
    engine = open_engine(url)
    run = start_run(engine, "test", [], None)
    PostWriter(engine, run).write(
        [
            PostResult(
                Post(id=pid, source="s", position=f"line {n}", title=f"t{pid}", body=f"b{pid}"), [], [], Assessment(r)
            )
            for n, (pid, r) in enumerate((("a", 0.9), ("b", 0.5), ("c", 0.1)), start=1)
        ]
    )
    engine.dispose()


def test_label_then_export_training_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _fill(url)
    done = tw("label", "a", "b", "--label", "1", "--author", "rev1", "--db", url)
    assert done.returncode == 0, done.stderr
    assert "labelled 2 post(s) 1 by rev1" in done.stderr
    done = tw("label", "a", "zzz", "--label", "0", "--author", "rev2", "--db", url)
    assert done.returncode == 1 and "not in the store: zzz" in done.stderr
    done = tw("label", "b", "--label", "0", "--author", "rev2", "--note", "independent adult", "--db", url)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "labels.jsonl"
    done = tw("labels-export", "--out", str(out), "--db", url)
    assert done.returncode == 0, done.stderr
    assert f"2 labelled post(s) written to {out}" in done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows == [
        {"id": "a", "kind": "other", "title": "ta", "body": "ba", "label": 1, "author": "rev1"},
        {"id": "b", "kind": "other", "title": "tb", "body": "bb", "label": 0, "author": "rev2"},
    ]


def test_report_command_writes_page_and_exports(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _fill(url)
    out = tmp_path / "report"
    done = tw("report", "--out", str(out), "--db", url, "--top", "2", "--min-risk", "0.2")
    assert done.returncode == 0, done.stderr
    assert f"report: {out / 'index.html'}" in done.stderr
    html = (out / "index.html").read_text(encoding="utf-8")
    assert html.count('<article class="post') == 2 and "post-3" not in html
    with (out / "posts.csv").open(encoding="utf-8-sig", newline="") as f:
        assert [r["id"] for r in csv.DictReader(f)] == ["a", "b", "c"]
    assert [json.loads(x)["id"] for x in (out / "posts.jsonl").read_text(encoding="utf-8").splitlines()] == [
        "a",
        "b",
        "c",
    ]
