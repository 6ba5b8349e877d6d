"""WARC reader, built with warcio's own writer: pages become records, other payloads are counted, damage is reported."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tipwatch.model import Post
from tipwatch.sources import ReadStats, iter_warc_images, read, to_post

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 50


def _response(
    writer: WARCWriter, url: str, payload: bytes, content_type: str, status: str = "200 OK", date: str | None = None
) -> None:
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    warc_headers = {"WARC-Date": date} if date else None
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(payload), http_headers=headers, warc_headers_dict=warc_headers
    )
    writer.write_record(record)


def _page(i: int) -> bytes:
    return (
        f"<html><head><title>Ad {i}</title><script>track({i})</script></head>"
        f"<body><p>Escort ad number {i} call now</p><img src='/p/{i}.jpg'></body></html>"
    ).encode()


def _warc(path: Path, *, gzip: bool) -> Path:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        _response(writer, "https://ads.test/1", _page(1), "text/html; charset=utf-8", date="2024-05-12T10:30:00Z")
        _response(writer, "https://ads.test/p/1.jpg", JPEG, "image/jpeg")
        _response(writer, "https://ads.test/style.css", b"p{}", "text/css")
        _response(writer, "https://ads.test/missing", b"<p>not found</p>", "text/html", status="404 Not Found")
        request = writer.create_warc_record(
            "https://ads.test/2", "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")
        )
        writer.write_record(request)
        latin = "<html><body><p>Café naïve</p></body></html>".encode("latin-1")
        _response(writer, "https://ads.test/2", latin, "text/html; charset=ISO-8859-1")
        _response(writer, "https://ads.test/p/2", PNG, "application/octet-stream")
        resource = writer.create_warc_record(
            "file:///notes.txt",
            "resource",
            payload=io.BytesIO(b"plain text note\nline two"),
            warc_content_type="text/plain",
        )
        writer.write_record(resource)
    return path


@pytest.mark.parametrize("gzip", [True, False])
def test_pages_become_records_and_the_rest_is_counted(tmp_path: Path, gzip: bool) -> None:
    path = _warc(tmp_path / ("crawl.warc.gz" if gzip else "crawl.warc"), gzip=gzip)
    stats = ReadStats()
    records = list(read([path], stats=stats))
    assert [r.error for r in records] == [None, None, None]
    first, second, note = records
    assert first.position == "record 1 (offset 0)"
    assert second.position.startswith("record 6 (offset ") and note.position.startswith("record 8 (offset ")
    assert first.fields is not None
    assert first.fields["url"] == "https://ads.test/1"
    assert first.fields["fetched_at"] == "2024-05-12T10:30:00Z"
    assert first.fields["http_status"] == 200
    assert first.fields["body"] == "Escort ad number 1 call now"
    assert first.fields["images"] == ["/p/1.jpg"]
    assert second.fields is not None and second.fields["body"] == "Café naïve"
    assert note.fields is not None and note.fields["body"] == "plain text note\nline two"
    assert stats.skipped == {
        "warc image/jpeg payload": 1,
        "warc text/css payload": 1,
        "warc response with HTTP status 404": 1,
        "warc request record": 1,
        "warc application/octet-stream payload": 1,
    }
    post = to_post(first)
    assert isinstance(post, Post)
    assert (post.url, post.platform, post.title) == ("https://ads.test/1", "ads.test", "Ad 1")
    assert post.posted_at is None  # the fetch time is not the time the ad was posted
    # Offsets are real: a reader seeking there finds the record.
    offset = int(second.position.split("offset ")[1].rstrip(")"))
    assert offset > 0


def test_images_are_offered_for_the_media_stage(tmp_path: Path) -> None:
    path = _warc(tmp_path / "crawl.warc.gz", gzip=True)
    images = list(iter_warc_images(path))
    assert [(i.url, i.content_type, i.data) for i in images] == [
        ("https://ads.test/p/1.jpg", "image/jpeg", JPEG),
        ("https://ads.test/p/2", "image/png", PNG),  # octet-stream recognised by its magic bytes
    ]
    assert images[0].position == "record 2 (offset " + images[0].position.split("offset ")[1]


def _many(path: Path, n: int, *, gzip: bool) -> bytes:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        for i in range(n):
            _response(writer, f"https://ads.test/{i}", _page(i) * 20, "text/html")
    return path.read_bytes()


@pytest.mark.parametrize("gzip", [True, False])
def test_truncated_warc_yields_records_before_the_damage_then_one_error(tmp_path: Path, gzip: bool) -> None:
    full = tmp_path / "full.warc"
    data = _many(full, 10, gzip=gzip)
    cut = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    cut.write_bytes(data[: int(len(data) * 0.55)])
    records = list(read([cut]))
    good = [r for r in records if r.error is None]
    errors = [r for r in records if r.error is not None]
    assert 3 <= len(good) < 10
    assert [r.fields["url"] for r in good if r.fields] == [f"https://ads.test/{i}" for i in range(len(good))]
    assert len(errors) == 1 and records[-1] is errors[0]
    assert "truncated" in (errors[0].error or "") or "unreadable" in (errors[0].error or "")
    assert errors[0].position.startswith(f"record {len(good) + 1}")


def test_not_a_warc_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.warc"
    path.write_bytes(b"this is not a warc file\n" * 10)
    records = list(read([path]))
    assert len(records) == 1
    assert records[0].error == "not a WARC record: the rest of the file is not read"
    assert records[0].position == "record 1 (offset 0)"


def test_images_before_damage_are_yielded_and_the_damage_is_counted(tmp_path: Path) -> None:
    path = tmp_path / "imgs.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(6):
            _response(writer, f"https://ads.test/{i}.jpg", JPEG + bytes([i]) * 3000, "image/jpeg")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.6)])
    stats = ReadStats()
    images = list(iter_warc_images(path, stats=stats))
    assert 2 <= len(images) < 6
    assert [i.url for i in images] == [f"https://ads.test/{i}.jpg" for i in range(len(images))]
    assert all(i.data == JPEG + bytes([n]) * 3000 for n, i in enumerate(images))
    assert stats.total_skipped == 1
    (reason,) = stats.skipped
    assert reason.startswith(("warc truncated or damaged after record", "warc unreadable after record"))
