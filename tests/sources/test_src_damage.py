"""Damaged input (issue 8 item 3): nothing garbled is stored, nothing merged, every record accounted for."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tipwatch.model import RawRecord
from tipwatch.sources import read


def _good(records: list[RawRecord]) -> list[RawRecord]:
    return [r for r in records if r.error is None]


@pytest.mark.parametrize("name", ["ads.jsonl.gz", "ads.csv.gz"])
def test_a_gzip_file_with_a_bad_crc_stores_nothing(tmp_path: Path, name: str) -> None:
    n = 20_000  # larger than any read buffer: the reader meets the bad CRC only after yielding records
    if name.endswith(".jsonl.gz"):
        text = "".join(json.dumps({"id": i, "body": f"call 98765{i:05d} now"}) + "\n" for i in range(n))
    else:
        text = "id,body\n" + "".join(f"{i},call 98765{i:05d} now\n" for i in range(n))
    data = bytearray(gzip.compress(text.encode(), compresslevel=0))  # stored blocks: the digit is plain to change
    at = data.find(b"9876500007")
    data[at + 5] = ord("9")  # the phone number changes, only the CRC at the end can tell
    path = tmp_path / name
    path.write_bytes(bytes(data))
    records = list(read([path]))
    assert _good(records) == []
    assert len(records) == n + 1  # every record read, plus the stream error
    assert all("CRC check failed" in (r.error or "") for r in records)
    garbled = next(r for r in records if "9876590007" in r.raw)  # kept raw in the quarantine, not stored
    assert "file damaged" in (garbled.error or "")


def test_an_unterminated_quote_merges_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text(
        'id,body\n1,"never closed\n2,second ad\n3,third ad\n4,"fine\nmultiline"\n5,fifth\n6,"open again\n7,last\n',
        encoding="utf-8",
    )
    records = list(read([path]))
    good = {r.fields["id"]: r.fields["body"] for r in _good(records) if r.fields}
    assert good == {"2": "second ad", "3": "third ad", "4": "fine\nmultiline", "5": "fifth", "7": "last"}
    errors = [r for r in records if r.error]
    assert [r.raw for r in errors] == ['1,"never closed', '6,"open again']
    assert all("quote that never closes" in (r.error or "") for r in errors)


def test_a_quote_closed_rows_later_does_not_swallow_them(tmp_path: Path) -> None:
    path = tmp_path / "ads.tsv"
    path.write_text('id\tbody\n1\t"broken\n2\tkept\n3\t"quoted"\n', encoding="utf-8")
    records = list(read([path]))
    assert [r.fields for r in _good(records)] == [{"id": "2", "body": "kept"}, {"id": "3", "body": "quoted"}]
    assert len(records) == 3


def _warc(path: Path, n: int) -> bytes:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        for i in range(n):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            payload = io.BytesIO(f"<p>ad {i} call 98765{i:05d}</p>".encode() * 5)
            writer.write_record(
                writer.create_warc_record(f"https://ads.test/{i}", "response", payload=payload, http_headers=headers)
            )
    return path.read_bytes()


def _set_first_length(data: bytes, change: float) -> bytes:
    m = re.search(rb"Content-Length: (\d+)", data)
    assert m is not None
    return data[: m.start(1)] + str(int(int(m.group(1)) * change)).encode() + data[m.end(1) :]


@pytest.mark.parametrize("change", [12.0, 0.9])
@pytest.mark.parametrize("digests", [True, False])
def test_a_wrong_content_length_costs_one_record(tmp_path: Path, change: float, digests: bool) -> None:
    data = _warc(tmp_path / "w.warc", 20)
    if not digests:
        data = re.sub(rb"WARC-(Block|Payload)-Digest: [^\r]*\r\n", b"", data)
    path = tmp_path / "bad.warc"
    path.write_bytes(_set_first_length(data, change))
    records = list(read([path]))
    assert len(records) == 20
    assert [r.fields["url"] for r in _good(records) if r.fields] == [f"https://ads.test/{i}" for i in range(1, 20)]
    assert records[0].error is not None and "damaged WARC record https://ads.test/0" in records[0].error
    assert ("digest failed" in records[0].error) == digests


def test_a_payload_that_fails_its_digest_is_quarantined(tmp_path: Path) -> None:
    data = bytearray(_warc(tmp_path / "w.warc", 5))
    at = data.find(b"9876500002")
    data[at + 5] = ord("9")  # same length, different bytes: only the digest can tell
    path = tmp_path / "bad.warc"
    path.write_bytes(bytes(data))
    records = list(read([path]))
    assert len(records) == 5 and len(_good(records)) == 4
    assert "payload digest failed" in (records[2].error or "")
    assert all("9876590002" not in (r.fields or {}).get("body", "") for r in _good(records))


def test_a_damaged_member_of_a_warc_gz_costs_that_record_only(tmp_path: Path) -> None:
    data = _warc(tmp_path / "w.warc", 20)
    starts = [m.start() for m in re.finditer(rb"WARC/1\.[01]\r\n", data)]
    parts = [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)], strict=True)]
    out = bytearray(b"".join(gzip.compress(p, compresslevel=0) for p in parts))
    at = out.find(b"9876500003")
    out[at + 5] = ord("9")
    path = tmp_path / "bad.warc.gz"
    path.write_bytes(bytes(out))
    records = list(read([path]))
    assert len(records) == 20
    urls = [r.fields["url"] for r in _good(records) if r.fields]
    assert urls == [f"https://ads.test/{i}" for i in range(20) if i != 3]
    assert records[3].error is not None


def test_an_image_that_fails_its_digest_is_not_offered_for_hashing(tmp_path: Path) -> None:
    from tipwatch.sources import ReadStats, iter_warc_images

    path = tmp_path / "img.warc"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        for i in range(3):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "image/jpeg")], protocol="HTTP/1.1")
            payload = io.BytesIO(b"\xff\xd8\xff" + bytes([i]) * 100)
            writer.write_record(
                writer.create_warc_record(f"https://a.test/{i}.jpg", "response", payload=payload, http_headers=headers)
            )
    data = bytearray(path.read_bytes())
    data[data.find(b"\xff\xd8\xff\x01") + 10] ^= 1
    path.write_bytes(bytes(data))
    stats = ReadStats()
    assert [x.url for x in iter_warc_images(path, stats=stats)] == ["https://a.test/0.jpg", "https://a.test/2.jpg"]
    assert stats.skipped == {"warc image failed its digest": 1}


def test_an_over_long_line_read_again_after_a_broken_quote_stays_an_error(tmp_path: Path) -> None:
    from tipwatch.sources.delimited import MAX_CSV_CHARS

    path = tmp_path / "ads.csv"
    path.write_text(f'id,text\n1,"open\n2,{"b" * (MAX_CSV_CHARS + 10)}\n3,ok\n', encoding="utf-8")
    records = list(read([path]))
    assert [r.position for r in records] == ["row 2", "row 3", "row 4"]
    assert records[1].error is not None and records[1].error.startswith("line longer than")  # not a cut-short post
    assert records[2].fields == {"id": "3", "text": "ok"}
