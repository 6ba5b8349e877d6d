"""`tipwatch search`: analyze a few posts, then find them by words and by identifiers written another way; JSON lines
on stdout; hostile queries and bad options are one line and exit 2; --reindex."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")

ADS = [
    {"id": "1", "platform": "site1", "title": "New girls in town", "body": "Fresh college girls, call 98765 43210"},
    {"id": "2", "platform": "site1", "title": "नौकरी उपलब्ध", "body": "दुबई में नौकरी, संपर्क Rani.X@Gmail.com"},
    {"id": "3", "platform": "site2", "title": "চাকরি", "body": "মেয়েদের জন্য বিদেশে কাজ +91 98765-43210"},
]


def tw(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TIPWATCH, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    ads = tmp_path / "ads.jsonl"
    ads.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ADS), encoding="utf-8")
    done = tw("analyze", str(ads), "--db", db_url, "--no-media", "--quarantine", str(tmp_path / "q.jsonl"))
    assert done.returncode == 0, done.stderr
    return db_url


def _lines(done: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_search_by_identifier_and_text_json(db: str) -> None:
    rows = _lines(tw("search", "+91 98765 43210", "--db", db, "--json"))
    assert sorted(r["post_id"] for r in rows) == ["site1/1", "site2/3"]
    assert all(r["by"] == "identifier" and r["matched"] == [{"type": "phone", "value": "+919876543210"}] for r in rows)
    assert set(rows[0]) == {"post_id", "title", "snippet", "risk", "platform", "posted_at", "matched", "by"}
    rows = _lines(tw("search", "RANI.X@gmail.com", "--db", db, "--json", "--by", "identifier"))
    assert [r["post_id"] for r in rows] == ["site1/2"]
    rows = _lines(tw("search", "मेयेदेर", "--db", db, "--json"))
    assert rows == []
    rows = _lines(tw("search", "মেয়েদের", "--db", db, "--json"))
    assert [r["post_id"] for r in rows] == ["site2/3"] and rows[0]["by"] == "text"
    rows = _lines(tw("search", "colle*", "--db", db, "--json", "--by", "text"))
    assert [r["post_id"] for r in rows] == ["site1/1"]


def test_human_output_and_paging_hint(db: str) -> None:
    done = tw("search", "98765 43210", "--db", db, "--limit", "1", "--order", "risk")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1 and "phone +919876543210" in done.stdout
    assert "--offset 1" in done.stderr


@pytest.mark.parametrize("query", ['"', 'girls" OR "', "NEAR(a b)", "*", "'; DROP TABLE posts; --"])
def test_hostile_queries_never_crash(db: str, query: str) -> None:
    done = tw("search", query, "--db", db, "--json", "--by", "text")
    assert done.returncode in (0, 2), done.stderr
    assert "Traceback" not in done.stderr
    if done.returncode == 2:
        assert "no words" in done.stderr
    assert _lines(tw("search", "girls", "--db", db, "--json"))  # still there


def test_bad_options_exit_2(db: str) -> None:
    for args, says in (
        (["--by", "fuzzy"], "search kind"),
        (["--limit", "0"], "limit"),
        (["--order", "old"], "order"),
    ):
        done = tw("search", "girls", "--db", db, *args)
        assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr, done.stderr
    done = tw("search", "", "--db", db)
    assert done.returncode == 2 and "empty query" in done.stderr


def test_reindex(db: str) -> None:
    done = tw("search", "--reindex", "--db", db)
    assert done.returncode == 0 and "3 posts" in done.stderr, done.stderr
    rows = _lines(tw("search", "नौकरी", "--db", db, "--json", "--reindex"))
    assert [r["post_id"] for r in rows] == ["site1/2"]
