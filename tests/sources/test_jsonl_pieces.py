"""A plain JSONL file read in line ranges (how the Spark engine spreads one big file over tasks) gives exactly the
records, positions and error records of reading it whole; files that cannot be entered midway are read whole."""

from __future__ import annotations

import gzip
from itertools import pairwise
from pathlib import Path

import pytest

from tipwatch.sources import read
from tipwatch.sources.base import MAX_LINE_BYTES
from tipwatch.sources.jsonl import line_ranges, splittable
from tipwatch.sources.reader import plan_pieces, read_span

HOSTILE = (
    b"\xef\xbb\xbf"  # UTF-8 BOM on line 1
    + b'{"id": "1", "body": "first"}\r\n'
    + b"\n"
    + b"   \n"
    + b"{broken\n"
    + b'{"id": "2", "body": "caf\xff"}\n'
    + b"[1, 2]\n"
    + b'{"id": "3", "body": "'
    + b"x" * (MAX_LINE_BYTES + 10)
    + b'"}\n'  # over the line limit
    + b'{"id": "4", "body": "fourth"}\n'
    + b'{"id": "5", "body": "no newline at the end"}'
)


@pytest.mark.parametrize("per_piece", [1, 2, 3, 4, 100])
def test_pieces_read_like_the_whole_file(tmp_path: Path, per_piece: int) -> None:
    path = tmp_path / "ads.jsonl"
    path.write_bytes(HOSTILE)
    whole = list(read([path]))
    spans = plan_pieces(path, None, per_piece)
    assert spans is not None and len(spans) == -(-9 // per_piece)  # 9 lines, the last without a newline
    pieces = [record for span in spans for record in read_span(path, span)]
    assert pieces == whole
    assert [r.position for r in whole if r.error] == ["line 4", "line 5", "line 6", "line 7"]
    assert spans[0].start == 0 and spans[-1].end == len(HOSTILE)
    assert all(a.end == b.start for a, b in pairwise(spans))


def test_ranges_cover_the_file_once(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    path.write_bytes(b"".join(b'{"id": "%d", "body": "ad %d"}\n' % (i, i) for i in range(1000)))
    spans = line_ranges(path, 64, block=100)  # blocks smaller than lines: cuts inside a read block too
    assert [s.first_line for s in spans] == list(range(1, 1001, 64))
    assert sum(s.end - s.start for s in spans) == path.stat().st_size
    with path.open("rb") as fh:
        for span in spans:
            fh.seek(span.end - 1)
            assert fh.read(1) == b"\n"
    assert [r.fields for s in spans for r in read_span(path, s)] == [r.fields for r in read([path])]


def test_read_whole_when_pieces_would_differ(tmp_path: Path) -> None:
    gz = tmp_path / "a.jsonl.gz"
    gz.write_bytes(gzip.compress(b'{"id": "1", "body": "x"}\n'))
    utf16 = tmp_path / "b.jsonl"
    utf16.write_bytes('{"id": "1", "body": "x"}\n'.encode("utf-16"))
    array = tmp_path / "c.json"
    array.write_bytes(b'[{"id": "1", "body": "x"}]')
    csv = tmp_path / "d.csv"
    csv.write_bytes(b"id,body\n1,x\n")
    folder = tmp_path / "pages"
    folder.mkdir()
    for path in (gz, utf16, array):
        assert not splittable(path)
    for path in (gz, utf16, array, csv, folder):
        assert plan_pieces(path, None, 10) is None
    lines = tmp_path / "e.json"  # .json with one object per line is JSONL
    lines.write_bytes(b'{"id": "1", "body": "x"}\n')
    assert plan_pieces(lines, None, 10) is not None
    assert plan_pieces(csv, "jsonl", 10) is not None  # --format jsonl wins over the name, as in read()
