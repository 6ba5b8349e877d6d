"""`tipwatch cases` and `tipwatch review` through the real commands (SQLite file)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from workspace_helpers import fill

from tipwatch.store.db import open_engine

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")


def tw(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TIPWATCH, *args], capture_output=True, text=True, timeout=600)


def _store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_engine(url)
    fill(engine, [("a", 0.9, "x"), ("b", 0.5, "y"), ("c", 0.1, "x")])
    engine.dispose()
    return url


def test_cases_round_trip(tmp_path: Path) -> None:
    url = _store(tmp_path)
    done = tw("cases", "create", "Hotel ads", "--by", "ann", "--db", url)
    assert done.returncode == 0, done.stderr
    case_id = done.stdout.strip()
    assert case_id.isdigit() and f"case {case_id} opened: Hotel ads" in done.stderr
    done = tw("cases", "add", case_id, "--post", "a", "--post", "c", "--by", "bo", "--db", url)
    assert done.returncode == 0 and "2 post(s) and 0 network(s) added" in done.stderr, done.stderr
    done = tw("cases", "add", case_id, "--post", "b", "--network", "nope", "--db", url)
    assert done.returncode == 2 and "no such network: nope" in done.stderr
    done = tw("cases", "add", case_id, "--post", "zzz", "--db", url)
    assert done.returncode == 2 and "not in the store: zzz" in done.stderr
    done = tw("cases", "add", "999", "--post", "a", "--db", url)
    assert done.returncode == 2 and "no case 999" in done.stderr
    done = tw("cases", "note", case_id, "Called the hotel.", "--by", "bo", "--db", url)
    assert done.returncode == 0, done.stderr
    done = tw("cases", "set", case_id, "--status", "in_progress", "--assignee", "bo", "--by", "ann", "--db", url)
    assert done.returncode == 0, done.stderr
    done = tw("cases", "set", case_id, "--status", "done", "--db", url)
    assert done.returncode == 2 and "status must be one of" in done.stderr

    done = tw("cases", "show", case_id, "--json", "--db", url)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["case"]["status"] == "in_progress" and shown["case"]["assignee"] == "bo"
    assert [p["id"] for p in shown["posts"]] == ["a", "c"] and shown["networks"] == []
    assert [(n["author"], n["text"]) for n in shown["notes"]] == [("bo", "Called the hotel.")]
    assert [e["kind"] for e in shown["events"]] == ["created", "post_added", "post_added", "note", "status", "assignee"]
    done = tw("cases", "show", case_id, "--db", url)
    assert done.returncode == 0 and "posts: a, c" in done.stdout and "note " in done.stdout

    tw("cases", "create", "Wallet", "--by", "cy", "--db", url)
    done = tw("cases", "list", "--status", "in_progress", "--json", "--db", url)
    listed = json.loads(done.stdout)
    assert listed["total"] == 1 and [c["title"] for c in listed["items"]] == ["Hotel ads"]
    done = tw("cases", "list", "--db", url)
    assert done.returncode == 0 and [line.split("\t")[-1] for line in done.stdout.splitlines()] == [
        "Wallet",
        "Hotel ads",
    ]
    assert tw("cases", "list", "--status", "done", "--db", url).returncode == 2


def test_review_round_trip(tmp_path: Path) -> None:
    url = _store(tmp_path)
    done = tw("review", "next", "--reviewer", "ann", "--json", "--db", url)
    assert done.returncode == 0, done.stderr
    item = json.loads(done.stdout)
    assert item["post"]["id"] == "a" and item["lease"]["reviewer"] == "ann" and item["resumed"] is False
    done = tw("review", "next", "--reviewer", "bo", "--platform", "x", "--json", "--db", url)
    assert json.loads(done.stdout)["post"]["id"] == "c"  # a is held by ann
    done = tw("review", "decide", "a", "--reviewer", "bo", "--decision", "e", "--reason", "minor", "--db", url)
    assert done.returncode == 2 and "held by ann" in done.stderr
    done = tw("review", "decide", "a", "--reviewer", "ann", "--decision", "escalate", "--reason", " ", "--db", url)
    assert done.returncode == 2 and "needs a reason" in done.stderr
    done = tw("review", "decide", "a", "--reviewer", "ann", "--decision", "maybe", "--reason", "x", "--db", url)
    assert done.returncode == 2 and "decision must be one of" in done.stderr
    done = tw("review", "decide", "a", "--reviewer", "ann", "--decision", "e", "--reason", "ages under 18", "--db", url)
    assert done.returncode == 0 and "a: escalate by ann (label 1)" in done.stderr, done.stderr
    done = tw("review", "next", "--reviewer", "ann", "--db", url)
    assert done.returncode == 0 and done.stdout.startswith("b\trisk 0.50\ty\ttb")
    done = tw("review", "stats", "--db", url)
    assert json.loads(done.stdout) == {"total": 3, "undecided": 2, "held": 2, "decided": {"escalate": 1}}
    out = tmp_path / "labels.jsonl"
    assert tw("labels-export", "--out", str(out), "--db", url).returncode == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["label"], r["author"]) for r in rows] == [("a", 1, "ann")]
    done = tw("review", "next", "--reviewer", "cy", "--json", "--db", url)
    assert done.returncode == 0 and done.stdout.strip() == "null"
