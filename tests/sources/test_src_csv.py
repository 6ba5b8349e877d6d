"""CSV/TSV reader: header row, column mapping, ragged rows, undecodable bytes, huge fields."""

from __future__ import annotations

import gzip
from pathlib import Path

from tipwatch.model import Post
from tipwatch.sources import read, to_post
from tipwatch.sources.delimited import MAX_CSV_CHARS, MAX_RECORD_LINES, read_csv


def test_column_mapping_and_a_ragged_row(tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text(
        "ad_id,headline,ad_text,when\n"
        'A1,New in town,"Call me, 24/7",12/05/2024 10:30\n'
        "A2,Only three,fields\n"
        'A3,Hiring,"Work abroad\nvisa paid",2024-06-01\n'
        "A4,Too,many,fields,here\n",
        encoding="utf-8",
    )
    records = list(read([path], columns={"body": "ad_text", "title": "headline", "posted_at": "when"}))
    assert [r.position for r in records] == ["row 2", "row 3", "row 4", "row 5"]
    assert records[1].error == "ragged row: 3 fields, but the header has 4 columns"
    assert records[1].raw == "A2,Only three,fields"
    assert records[3].error == "ragged row: 5 fields, but the header has 4 columns"
    posts = [to_post(r) for r in records if r.error is None]
    assert all(isinstance(p, Post) for p in posts)
    first, third = posts
    assert isinstance(first, Post) and isinstance(third, Post)
    assert (first.source_id, first.id, first.title, first.body) == ("A1", "ads.csv/A1", "New in town", "Call me, 24/7")
    assert first.posted_at is not None and first.posted_at.isoformat() == "2024-05-12T10:30:00+00:00"
    assert third.body == "Work abroad\nvisa paid"  # quoted newline kept, one row
    assert third.raw == 'A3,Hiring,"Work abroad\nvisa paid",2024-06-01'


def test_mapped_column_missing_from_header_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,text\n1,hello\n")
    records = list(read([path], columns={"body": "ad_text"}))
    assert len(records) == 1
    assert records[0].position == "row 1"
    assert records[0].error == "mapped column 'ad_text' (for body) not in header; columns are: id, text"


def test_undecodable_bytes_flag_the_row_and_name_the_column(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"id,text\n1,fine\n2,caf\xe9 au lait\n3,also fine\n")
    records = list(read_csv(path))
    assert [r.error for r in records] == [None, "not valid UTF-8 in column 'text'", None]
    assert records[1].raw.encode("utf-8", "surrogateescape") == b"2,caf\xe9 au lait"


def test_tsv_gzip_bom_blank_lines_and_odd_headers(tmp_path: Path) -> None:
    text = "\ufefftitle\t\ttitle\n\nHello\tx\tdup\n"
    path = tmp_path / "t.tsv.gz"
    path.write_bytes(gzip.compress(text.encode("utf-8")))
    (record,) = read([path])
    assert record.position == "row 3"
    assert record.fields == {"title": "Hello", "column_2": "x", "title_2": "dup"}


def test_semicolon_delimiter_is_sniffed_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("id;text;city\n7;hello, world;Pune\n")
    (record,) = read([path])
    assert record.fields == {"id": "7", "text": "hello, world", "city": "Pune"}


def test_huge_multiline_field_is_an_error_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("w") as fh:
        fh.write("id,text\n1,before\n")
        fh.write('2,"' + "a\n" * (MAX_CSV_CHARS // 2 + 10) + '"\n')
        fh.write("3,after\n")
    records = list(read_csv(path))
    assert records[0].fields == {"id": "1", "text": "before"}
    assert records[1].position == "row 3"
    assert records[1].error is not None and f"spans more than {MAX_RECORD_LINES} lines" in records[1].error
    # The lines of the runaway field cannot be told apart from rows: read again, they make no rows and are
    # quarantined as one run with its row range; the row after them is read.
    assert records[2].error is not None and records[2].position.startswith("rows 4-")
    assert all(len(r.raw) < MAX_CSV_CHARS for r in records)  # raw previews are bounded
    assert records[-1].fields == {"id": "3", "text": "after"}
    assert len(records) < 10


def test_long_physical_line_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "line.csv"
    with path.open("w") as fh:
        fh.write("id,text\n")
        fh.write("1," + "b" * (MAX_CSV_CHARS + 5) + "\n")
        fh.write("2,after\n")
    records = list(read_csv(path))
    assert records[0].position == "row 2"
    assert records[0].error == f"line longer than {MAX_CSV_CHARS} characters limit ({MAX_CSV_CHARS + 8} characters)"
    assert records[1].fields == {"id": "2", "text": "after"}


def test_truncated_gzip_csv(tmp_path: Path) -> None:
    rows = "".join(f"{i},some text for row {i} {'y' * (i % 40)}\n" for i in range(4000))
    data = gzip.compress(("id,text\n" + rows).encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 3])
    records = list(read([path]))
    # The file does not read to its end: none of its rows is trusted, every one is accounted for.
    assert len(records) > 100
    assert all(r.error is not None and r.fields is None for r in records)
    assert all("file damaged (gzip stream truncated)" in (r.error or "") for r in records[:-1])
    assert records[0].position == "row 2" and records[0].raw.startswith("0,some text")
    assert records[-1].error is not None and records[-1].error.startswith("gzip stream truncated after row ")
