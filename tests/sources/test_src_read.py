"""read(): dispatch by extension, folders, missing paths, unknown formats, and count reconciliation."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tipwatch.model import Post, Quarantined
from tipwatch.sources import ReadStats, SourceNotFound, detect_format, read, to_post


def test_missing_path_raises_before_anything_is_read(tmp_path: Path) -> None:
    good = tmp_path / "ok.jsonl"
    good.write_text('{"text": "a"}\n')
    with pytest.raises(SourceNotFound) as info:
        read([good, tmp_path / "nope.jsonl"])
    assert info.value.path == (tmp_path / "nope.jsonl").as_posix()
    assert str(info.value) == f"input not found: {tmp_path / 'nope.jsonl'}"
    assert isinstance(info.value, FileNotFoundError)


def test_bad_format_name_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("{}")
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        read([path], fmt="xml")


def test_unknown_extension_is_an_error_record(tmp_path: Path) -> None:
    path = tmp_path / "ads.xlsx"
    path.write_bytes(b"PK\x03\x04")
    (record,) = read([str(path)])
    assert record.fields is None and record.position == "file"
    assert record.error is not None and record.error.startswith("unknown format: 'ads.xlsx' (known extensions: ")


def test_fmt_overrides_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "dump.txt"
    path.write_text('{"text": "hello"}\n')
    (record,) = read([path], fmt="jsonl")
    assert record.fields == {"text": "hello"}


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.jsonl", "jsonl"),
        ("a.NDJSON.GZ", "jsonl"),
        ("a.json", "jsonl"),
        ("a.csv.gz", "csv"),
        ("a.tsv", "tsv"),
        ("a.HTM", "html"),
        ("crawl.warc.gz", "warc"),
        ("a.xlsx", None),
        ("README", None),
    ],
)
def test_detect_format(name: str, fmt: str | None) -> None:
    assert detect_format(Path(name)) == fmt


def test_mixed_folder_and_count_reconciliation(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "deep").mkdir(parents=True)
    lines = [
        json.dumps({"text": "first post"}),
        "{not json",
        json.dumps({"text": ""}),
        json.dumps(["array"]),
        json.dumps({"text": "first post"}),  # repost: same id
    ]
    (root / "a.jsonl").write_text("\n".join(lines) + "\n")
    (root / "deep" / "b.csv.gz").write_bytes(gzip.compress(b"body,city\nhello from csv,Pune\nragged\n"))
    (root / "page.html").write_text("<title>Page</title><p>page text</p>")
    (root / "notes.md").write_text("not an input")
    stats = ReadStats()
    records = list(read([root], stats=stats))
    results = [to_post(r) for r in records]
    posts = [p for p in results if isinstance(p, Post)]
    quarantined = [q for q in results if isinstance(q, Quarantined)]
    assert len(records) == len(lines) + 2 + 1  # every line, every data row, the page
    assert len(posts) + len(quarantined) == len(records)
    assert [(q.source.rsplit("/", 1)[-1], q.position) for q in quarantined] == [
        ("a.jsonl", "line 2"),
        ("a.jsonl", "line 3"),
        ("a.jsonl", "line 4"),
        ("b.csv.gz", "row 3"),
    ]
    assert len({p.id for p in posts}) == len(posts) - 1
    assert stats.skipped == {"file with unknown extension .md": 1}
    # A folder's files in name order, then its subfolders: a.jsonl, page.html, deep/b.csv.gz.
    assert [p.body for p in posts] == ["first post", "first post", "page text", "hello from csv"]
