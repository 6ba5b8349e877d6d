"""Ids (issue 8 item 5): exact strings, no float on the way, NUL kept apart, a namespace per source, and a note
when one id comes back with different content."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson
import sqlalchemy as sa

from tipwatch.model import Post, RawRecord
from tipwatch.sources import read, to_post
from tipwatch.sources.convert import post_key, source_id_of
from tipwatch.store.tables import posts

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")
BIG_A = 123456789012345678901234567890123456789
BIG_B = 123456789012345678901234567890123456788  # the same float as BIG_A


def _posts(path: Path) -> list[Post]:
    out = [to_post(r) for r in read([path])]
    assert all(isinstance(p, Post) for p in out), out
    return out  # type: ignore[return-value]


def test_39_digit_ids_stay_exact_in_json_lines_and_arrays(tmp_path: Path) -> None:
    assert float(BIG_A) == float(BIG_B)
    lines = tmp_path / "big.jsonl"
    lines.write_text(f'{{"id": {BIG_A}, "body": "first"}}\n{{"id": {BIG_B}, "body": "second"}}\n', encoding="utf-8")
    array = tmp_path / "big.json"
    array.write_text(
        f'[{{"id": {BIG_A}, "body": "first"}}, {{"id": {BIG_B}, "body": "second"}}, {{"id": 3, "body": "third"}}]',
        encoding="utf-8",
    )
    for path in (lines, array):
        got = _posts(path)
        assert [p.source_id for p in got][:2] == [str(BIG_A), str(BIG_B)]
        assert len({p.id for p in got}) == len(got)
    assert len(_posts(array)) == 3  # the rest of the array is read after a big integer


def test_an_id_with_a_nul_does_not_collide_with_the_id_without_it() -> None:
    with_nul = to_post(RawRecord("a.jsonl", "line 1", "", {"id": "ad7\x00", "body": "x"}))
    without = to_post(RawRecord("a.jsonl", "line 2", "", {"id": "ad7", "body": "x"}))
    assert isinstance(with_nul, Post) and isinstance(without, Post)
    assert with_nul.id != without.id and with_nul.source_id == "ad7\x00"
    assert "\x00" not in with_nul.id  # storable as it is
    assert source_id_of(with_nul.id) == "ad7\x00"
    literal = to_post(RawRecord("a.jsonl", "line 3", "", {"id": "ad7\\u0000", "body": "x"}))
    assert isinstance(literal, Post) and literal.id != with_nul.id  # the escape is injective


def test_keys_are_namespaced_per_source_and_stable() -> None:
    a = post_key("a.jsonl", "1")
    assert a == "a.jsonl/1" and a != post_key("b.jsonl", "1")
    assert post_key("a/b", "c") != post_key("a", "b/c")  # the namespace cannot swallow the separator
    long_key = post_key("site", "x" * 200)
    assert long_key.startswith("sha256:") and len(long_key) <= 128
    one = to_post(RawRecord("/data/exports/ads.jsonl", "line 1", "", {"id": 1, "body": "x"}))
    two = to_post(RawRecord("ads.jsonl.gz", "line 1", "", {"id": 1, "body": "x"}))
    assert isinstance(one, Post) and isinstance(two, Post) and one.id == two.id == "ads.jsonl/1"  # path-independent
    three = to_post(RawRecord("b.jsonl", "line 1", "", {"id": 1, "body": "x", "platform": "Locanto"}))
    assert isinstance(three, Post) and three.id == "locanto/1"


def _analyze(tmp_path: Path, url: str, *inputs: Path) -> subprocess.CompletedProcess[str]:
    args = [TIPWATCH, "analyze", *map(str, inputs), "--db", url, "--no-link", "--no-media", "--workers", "1"]
    return subprocess.run([*args, "--quarantine", str(tmp_path / "q.jsonl")], capture_output=True, text=True)


def test_two_sources_with_the_same_ids_both_stored_and_changed_content_noted(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text('{"id": 1, "body": "first site ad"}\n{"id": 2, "body": "second"}\n', encoding="utf-8")
    b.write_text('{"id": 1, "body": "another site ad"}\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    first = _analyze(tmp_path, url, a, b)
    assert first.returncode == 0, first.stderr
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ids = sorted(conn.execute(sa.select(posts.c.id)).scalars())
    assert ids == ["a.jsonl/1", "a.jsonl/2", "b.jsonl/1"]
    again = _analyze(tmp_path, url, a, b)  # re-reading is idempotent
    assert again.returncode == 0 and "changed" not in again.stderr
    a.write_text('{"id": 1, "body": "first site ad, edited"}\n{"id": 2, "body": "second"}\n', encoding="utf-8")
    edited = _analyze(tmp_path, url, a)
    assert edited.returncode == 0, edited.stderr
    assert "1 duplicate ids came with different content" in edited.stderr
    notes = [orjson.loads(x) for x in (tmp_path / "q.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any("arrived before with different content" in n["reason"] and "edited" in n["raw"] for n in notes)
    with engine.connect() as conn:
        assert conn.execute(sa.select(posts.c.body).where(posts.c.id == "a.jsonl/1")).scalar_one() == "first site ad"
    engine.dispose()


def test_score_and_extract_echo_big_ids_exactly() -> None:
    line = json.dumps({"id": BIG_A, "text": "call 9845012345", "body": "call 9845012345"}).encode() + b"\n"
    extract = subprocess.run([TIPWATCH, "extract"], input=line, capture_output=True, timeout=300)
    assert extract.returncode == 0, extract.stderr
    assert json.loads(extract.stdout)["id"] == BIG_A
    score = subprocess.run([TIPWATCH, "score"], input=line, capture_output=True, timeout=300)
    assert score.returncode == 0, score.stderr
    assert json.loads(score.stdout)["id"] == str(BIG_A)
