"""Hash-list formats: parsing what the field exchanges, refusing bad lines with reasons, and writing back."""

from __future__ import annotations

import pytest

from tipwatch.media.formats import EntryIn, detect, parse, write

PDQ = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
PDQ2 = "30a10efdf1c83f429013d48d0ffffc52e34e0e35ada952a9d29605215aa9e5af"
MD5 = "9e107d9d372bb6826bd81d3542a419d6"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_pdq_csv_with_metadata() -> None:
    text = f"pdq_hash,quality,case,note\n{PDQ.upper()},100,12,bridge\n{PDQ2},90,007,\nnot-a-hash,1,2,3\n"
    parsed = parse(text, "csv")
    assert [e.value for e in parsed.entries] == [PDQ, PDQ2]
    assert parsed.entries[0].meta == {"quality": 100, "case": 12, "note": "bridge"}
    assert parsed.entries[1].meta == {"quality": 90, "case": "007"}  # leading zero kept: it is a label
    assert len(parsed.errors) == 1 and parsed.errors[0][0] == 4 and "hexadecimal" in parsed.errors[0][1]


def test_csv_with_signal_type_column() -> None:
    text = f"signal_type,hash,source\npdq,{PDQ},x\nphoto_md5,{MD5},y\nsha256,{SHA},z\nfoo,{MD5},w\n"
    parsed = parse(text, "csv")
    assert [(e.signal_type, e.value) for e in parsed.entries] == [("pdq", PDQ), ("md5", MD5), ("sha256", SHA)]
    assert parsed.errors == [(5, "unknown signal type 'foo'")]


def test_csv_without_hash_column_is_an_error() -> None:
    parsed = parse("name,age\nx,1\n", "csv")
    assert not parsed.entries and "no hash column" in parsed.errors[0][1]


def test_plain_lists_and_sum_output() -> None:
    text = f"# NCMEC-style list\n{MD5.upper()}\n\n{MD5[:-1]}\n{MD5}  photos/a.jpg\n"
    parsed = parse(text, "md5")
    assert [e.value for e in parsed.entries] == [MD5, MD5]
    assert parsed.entries[1].meta == {"filename": "photos/a.jpg"}
    assert parsed.errors[0][0] == 4 and "32 hex digits" in parsed.errors[0][1]
    assert parse(f"{SHA} *bin.dat\n", "sha256").entries == [EntryIn("sha256", SHA, {"filename": "bin.dat"})]


def test_threatexchange_forms() -> None:
    text = f"pdq {PDQ}\n{MD5},video_md5\nsha256,{SHA}\nmystery {PDQ}\npdq\n"
    parsed = parse(text, "te")
    assert [(e.signal_type, e.value) for e in parsed.entries] == [("pdq", PDQ), ("md5", MD5), ("sha256", SHA)]
    assert [n for n, _ in parsed.errors] == [4, 5]


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        (f"pdq {PDQ}\n", "te"),
        (f"# c\n{MD5}\n", "md5"),
        (f"pdq,quality\n{PDQ},100\n", "csv"),
        (f"{PDQ}\n", None),  # PDQ or SHA-256? the user must say
        ("", None),
    ],
)
def test_detect(text: str, fmt: str | None) -> None:
    assert detect(text) == fmt


@pytest.mark.parametrize("fmt", ["csv", "te"])
def test_write_then_parse_round_trips(fmt: str) -> None:
    entries = [
        EntryIn("pdq", PDQ, {"case": "12", "quality": 100}),
        EntryIn("md5", MD5, {}),
        EntryIn("sha256", SHA, {"note": 'a, b "quoted"'}),
    ]
    back = parse(write(entries, fmt), fmt).entries
    if fmt == "te":  # the TE form carries no metadata
        assert [(e.signal_type, e.value) for e in back] == [(e.signal_type, e.value) for e in entries]
    else:
        assert back == [
            EntryIn("pdq", PDQ, {"case": 12, "quality": 100}),
            EntryIn("md5", MD5, {}),
            EntryIn("sha256", SHA, {"note": 'a, b "quoted"'}),
        ]


def test_plain_export_keeps_its_own_type() -> None:
    entries = [EntryIn("md5", MD5, {"filename": "x.jpg"}), EntryIn("pdq", PDQ)]
    assert write(entries, "md5") == f"{MD5}  x.jpg\n"
    assert parse(write(entries, "md5"), "md5").entries == [entries[0]]
