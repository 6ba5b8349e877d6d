"""JSONL reader: one record per line, bad lines become error records with precise positions."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tipwatch.model import Post, Quarantined
from tipwatch.sources import MAX_LINE_BYTES, read, to_post
from tipwatch.sources.jsonl import read_jsonl


def _write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_malformed_line_among_good_ones(tmp_path: Path) -> None:
    good = [json.dumps({"id": f"p{i}", "text": f"post number {i}"}).encode() for i in range(5)]
    lines = [*good[:2], b'{"id": "x", "text": "broken" "more": 1}', *good[2:]]
    records = list(read_jsonl(_write_lines(tmp_path / "a.jsonl", lines)))
    assert len(records) == len(lines)
    errors = [r for r in records if r.error]
    assert [r.position for r in errors] == ["line 3"]
    assert errors[0].fields is None
    assert errors[0].error.startswith("invalid JSON: Expecting ',' delimiter at column ")
    assert errors[0].raw == lines[2].decode()
    assert [r.fields["id"] for r in records if r.fields] == [f"p{i}" for i in range(5)]
    assert [r.position for r in records if r.fields] == ["line 1", "line 2", "line 4", "line 5", "line 6"]


def test_undecodable_bytes_make_an_error_record_and_keep_raw(tmp_path: Path) -> None:
    lines = [b'{"text": "ok"}', b'{"text": "bad \xff\xfe byte"}', b'{"text": "ok again"}']
    records = list(read_jsonl(_write_lines(tmp_path / "u.jsonl", lines)))
    assert [r.error is None for r in records] == [True, False, True]
    bad = records[1]
    assert bad.error == "not valid UTF-8: byte 0xff at offset 14 of the line"
    # surrogateescape: the original bytes can be recovered from raw.
    assert bad.raw.encode("utf-8", "surrogateescape") == lines[1]
    quarantined = to_post(bad)
    assert isinstance(quarantined, Quarantined)
    assert quarantined.reason == bad.error and quarantined.position == "line 2"


@pytest.mark.parametrize(
    ("line", "kind"),
    [(b"[1, 2]", "array"), (b'"just text"', "string"), (b"42", "number"), (b"null", "null"), (b"true", "boolean")],
)
def test_non_object_json_is_an_error(tmp_path: Path, line: bytes, kind: str) -> None:
    records = list(read_jsonl(_write_lines(tmp_path / "n.jsonl", [b'{"text": "a"}', line])))
    assert records[1].error == f"not a JSON object: got {kind}"
    assert records[1].position == "line 2"


def test_blank_lines_are_not_records_and_positions_stay_physical(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_bytes(b'{"text": "a"}\n\n   \r\n{"text": "b"}\r\n')
    records = list(read_jsonl(path))
    assert [(r.position, r.fields) for r in records] == [("line 1", {"text": "a"}), ("line 4", {"text": "b"})]


def test_utf8_bom_is_dropped_and_utf16_is_refused(tmp_path: Path) -> None:
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b'\xef\xbb\xbf{"text": "a"}\n')
    assert [r.fields for r in read_jsonl(bom)] == [{"text": "a"}]
    utf16 = tmp_path / "u16.jsonl"
    utf16.write_bytes('{"text": "a"}\n'.encode("utf-16"))
    (record,) = read_jsonl(utf16)
    assert record.error == "file is UTF-16 encoded: convert it to UTF-8"


def test_truncated_gzip_quarantines_every_record_then_one_error(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "text": f"message {i} " + "x" * (i % 50)}) for i in range(3000)]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    records = list(read(path for path in [path]))
    read_before = records[:-1]
    assert 0 < len(read_before) < len(lines)
    # Nothing of a file that does not read to its end is stored; each record read is quarantined, raw kept.
    assert all(
        r.error == "file damaged (gzip stream truncated): its records cannot be trusted and are not stored"
        for r in read_before
    )
    assert [r.position for r in read_before] == [f"line {n + 1}" for n in range(len(read_before))]
    assert read_before[0].raw == lines[0]
    n = len(read_before)
    assert records[-1].error == f"gzip stream truncated after line {n}: the rest of the file cannot be read"
    assert records[-1].position == f"line {n + 1}"


def test_whole_gzip_reads_like_plain(tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "text": f"t{i}"}) for i in range(100)]
    plain = tmp_path / "p.ndjson"
    plain.write_text("\n".join(lines))
    gz = tmp_path / "p.ndjson.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert [r.fields for r in read([plain])] == [r.fields for r in read([gz])]


def test_garbage_with_gz_name_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.jsonl.gz"
    path.write_bytes(b"\x1f\x8bnot really gzip at all")
    records = list(read([path]))
    assert len(records) == 1 and records[0].error is not None and "gzip" in records[0].error


def test_line_over_the_limit_is_one_error_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    with path.open("wb") as fh:
        fh.write(b'{"text": "before"}\n')
        long_line = b'{"text": "' + b"a" * (MAX_LINE_BYTES + 10) + b'"}'
        fh.write(long_line + b"\n")
        fh.write(b'{"text": "after"}\n')
    records = list(read_jsonl(path))
    assert [r.position for r in records] == ["line 1", "line 2", "line 3"]
    assert records[1].error == f"line longer than 8 MiB limit ({len(long_line)} bytes)"
    assert len(records[1].raw) < 10_000
    assert records[2].fields == {"text": "after"}


def test_deeply_nested_json_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "deep.jsonl", [b"[" * 100_000 + b"]" * 100_000, b'{"text": "ok"}'])
    records = list(read_jsonl(path))
    assert records[0].error is not None and records[0].error.startswith("invalid JSON")
    assert records[1].fields == {"text": "ok"}


def test_escaped_lone_surrogate_is_read_and_made_safe(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "s.jsonl", [b'{"text": "bad \\ud800 half"}'])
    (record,) = read_jsonl(path)
    assert record.fields == {"text": "bad \ud800 half"}
    post = to_post(record)
    assert isinstance(post, Post)
    assert post.body == "bad \ufffd half"
    post.body.encode("utf-8")  # storable


def test_json_array_file_streams_elements(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"id": "a", "text": "one"}, 5, {"id": "b", "text": "two", "score": 1.5}], indent=2))
    records = list(read([path]))
    assert [r.position for r in records] == ["item 1", "item 2", "item 3"]
    assert records[0].fields == {"id": "a", "text": "one"}
    assert records[1].error == "not a JSON object: got number"
    assert records[2].fields == {"id": "b", "text": "two", "score": 1.5}
    assert json.loads(records[2].raw) == {"id": "b", "text": "two", "score": 1.5}


def test_broken_json_array_keeps_elements_before_the_damage(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"text": "one"}, {"text": "two"}, {"text": ')
    records = list(read([path]))
    assert [r.fields for r in records[:2]] == [{"text": "one"}, {"text": "two"}]
    assert records[2].error is not None and records[2].error.startswith("invalid JSON array after item 2")
    assert len(records) == 3


def test_column_mapping_applies_to_jsonl(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "m.jsonl", [b'{"msg": "hello there", "hdr": "Hi"}'])
    (record,) = read([path], columns={"body": "msg", "title": "hdr"})
    post = to_post(record)
    assert isinstance(post, Post)
    assert (post.title, post.body) == ("Hi", "hello there")


def test_hostile_nesting_in_a_json_array_costs_one_record_and_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_bytes(b'[{"text": "first"}, ' + b"[" * 200_000 + b"]" * 200_000 + b', {"text": "last"}]')
    records = list(read([path]))
    assert [r.position for r in records] == ["item 1", "item 2", "item 3"]
    assert records[1].error == "invalid JSON: nested deeper than 256 levels"
    assert records[2].fields == {"text": "last"}


def test_jsonl_file_starting_with_an_array_line_is_read_line_by_line(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "arr.jsonl", [b"[1]", b'{"text": "ok"}'])
    records = list(read([path]))
    assert records[0].error == "not a JSON object: got array"
    assert records[1].fields == {"text": "ok"}
