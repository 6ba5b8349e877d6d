"""Arbitrary bytes into every reader: never an exception, and every input record accounted for."""

from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tipwatch.model import Post, Quarantined
from tipwatch.sources import ReadStats, html_record, iter_warc_images, read, to_post

_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_line = st.one_of(
    st.binary(max_size=60).filter(lambda b: b"\n" not in b),
    st.sampled_from([b'{"text": "ok"}', b"{", b"[]", b'{"text": "\\ud800"}', b"\xff", b"   ", b'{"a":1}{"b":2}']),
)


@_settings
@given(lines=st.lists(_line, max_size=20), compress=st.booleans())
def test_jsonl_accounts_for_every_non_blank_line(tmp_path: Path, lines: list[bytes], compress: bool) -> None:
    data = b"\n".join(lines)
    path = tmp_path / ("h.jsonl.gz" if compress else "h.jsonl")
    path.write_bytes(gzip.compress(data) if compress else data)
    records = list(read(path))
    physical = data.split(b"\n") if data else []
    if physical and physical[0].startswith((b"\xff\xfe", b"\xfe\xff")):
        assert len(records) == 1  # refused as UTF-16
        return
    # A line is blank when only whitespace remains (a leading UTF-8 BOM on line 1 is dropped first).
    if physical:
        physical[0] = physical[0].removeprefix(b"\xef\xbb\xbf")
    non_blank = [i + 1 for i, line in enumerate(physical) if line.strip()]
    assert [r.position for r in records] == [f"line {n}" for n in non_blank]
    for record in records:
        assert (record.fields is None) == (record.error is not None)
        result = to_post(record)
        assert isinstance(result, Post | Quarantined)
        if isinstance(result, Quarantined):
            assert not result.reason.startswith("internal error")


@_settings
@given(data=st.binary(max_size=400))
def test_csv_never_raises(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(b"id,text,city\n" + data)
    for record in read(path):
        assert record.position.startswith("row ")
        assert (record.fields is None) == (record.error is not None)
        if record.fields is not None:
            assert list(record.fields) == ["id", "text", "city"]
        assert not getattr(to_post(record), "reason", "").startswith("internal error")


@_settings
@given(data=st.binary(max_size=400) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_html_never_raises(data: bytes) -> None:
    record = html_record(data, "s", "file x.html")
    assert record.fields is not None or record.error is not None
    result = to_post(record)
    assert not getattr(result, "reason", "").startswith("internal error")


@_settings
@given(data=st.binary(max_size=300), gz=st.booleans())
def test_warc_never_raises(tmp_path: Path, data: bytes, gz: bool) -> None:
    path = tmp_path / ("h.warc.gz" if gz else "h.warc")
    path.write_bytes(gzip.compress(data) if gz else data)
    stats = ReadStats()
    records = list(read(path, stats=stats))
    assert all(r.fields is not None or r.error is not None for r in records)
    list(iter_warc_images(path, stats=stats))
