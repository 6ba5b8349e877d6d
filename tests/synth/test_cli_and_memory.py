"""The `tipwatch synth` command, end to end in a subprocess, and constant memory while streaming."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

from tipwatch.synth import generate
from tipwatch.synth.knowledge import knowledge


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tipwatch.cli.main", "synth", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_writes_posts_truth_and_images(tmp_path: Path) -> None:
    out, truth, images = tmp_path / "posts.jsonl", tmp_path / "sub" / "truth.jsonl", tmp_path / "img"
    done = _run("--n", "250", "--seed", "9", "--out", str(out), "--truth", str(truth), "--images", str(images))
    assert done.returncode == 0, done.stderr
    posts = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    truths = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines()]
    assert len(posts) == len(truths) == 250
    assert [p["id"] for p in posts] == [t["id"] for t in truths]
    assert posts == [p for p, _ in generate(250, 9)]  # the command writes exactly what the library yields
    assert {name for p in posts for name in p["images"]} == {f.name for f in images.iterdir()}
    assert "250" in done.stderr  # the progress/summary goes to stderr
    assert not list(tmp_path.glob("*.part"))


def test_cli_bad_usage_exits_2(tmp_path: Path) -> None:
    assert _run("--n", "-3", "--out", str(tmp_path / "a"), "--truth", str(tmp_path / "b")).returncode == 2
    assert _run("--n", "3", "--out", str(tmp_path / "a")).returncode == 2  # --truth missing
    same = tmp_path / "same.jsonl"
    assert _run("--n", "3", "--out", str(same), "--truth", str(same)).returncode == 2


def test_cli_failure_exits_1(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = _run("--n", "3", "--out", str(blocker / "posts.jsonl"), "--truth", str(tmp_path / "t.jsonl"))
    assert done.returncode == 1
    assert "error" in done.stderr.lower()
    assert not (tmp_path / "t.jsonl").exists()


def _peak(n: int) -> int:
    # Start from no pending garbage: otherwise the peak depends on when the collector last ran (what other tests in
    # this process left behind), which moved it by a third either way.
    gc.collect()
    tracemalloc.start()
    try:
        for _ in generate(n, 3):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_n() -> None:
    knowledge()  # loaded once per process; not part of the corpus' footprint
    list(generate(10, 3))
    small, large = _peak(4000), _peak(20000)  # one chunk vs five
    assert large < 1.3 * small, (small, large)
