"""WARC and WARC.gz files (warcio): pages become records, images are offered to the media stage.

Which WARC records become RawRecords (documented in docs/input-formats.md):
- response and resource records with a 2xx (or no) HTTP status and an HTML or plain-text payload: one record each;
- a page that cannot be read (payload over the limit, truncated, broken transfer/content encoding): an error record;
- everything else is not a post and is counted in ReadStats by reason, not quarantined: request, metadata,
  warcinfo and revisit records, non-2xx responses, and non-text payloads (images, CSS, scripts, fonts...).
  Images are read by iter_warc_images.
A damaged file (truncated gzip, garbage): records before the damage are yielded, then one error record.

Damaged records (issue 8): WARC-Block-Digest and WARC-Payload-Digest are checked when present (warcio's digest
verifier), and in an uncompressed WARC every record must end where its Content-Length says: the next bytes are
blank lines then the next ``WARC/1.x`` header, or the end of the file, and the block holds no record separator
followed by a WARC header. A record that fails is quarantined with the reason, and reading resumes at the next WARC
header found after its start, so a wrong Content-Length costs that record, not the records it would have swallowed.
(In a .warc.gz each record is its own gzip member, which bounds the damage already; the digests are checked there too.)
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from tipwatch.model import RawRecord
from tipwatch.sources.base import (
    MAX_IMAGE_BYTES,
    MAX_PAGE_BYTES,
    ReadStats,
    display_path,
    error_record,
    is_gzip,
)
from tipwatch.sources.htmlpage import html_record

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text/plain"})
_CONTENT_RECORDS = ("response", "resource")
# Magic numbers for image payloads served without a useful Content-Type (application/octet-stream).
_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class WarcImage(NamedTuple):
    """An image payload from a WARC: where it was fetched from, its type and bytes, and where it is in the file."""

    url: str
    content_type: str
    data: bytes
    position: str
    fetched_at: str | None


class _Payload(NamedTuple):
    data: bytes | None  # None: over the size limit
    truncated: bool


def _media_type(record: ArcWarcRecord) -> tuple[str, str | None]:
    """(media type lower-cased, charset parameter) from the HTTP headers, or the WARC headers for resources."""
    headers = record.http_headers if record.http_headers is not None else record.rec_headers
    value = headers.get_header("Content-Type") or ""
    parts = [p.strip() for p in value.split(";")]
    charset = None
    for param in parts[1:]:
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset" and val:
            charset = val.strip().strip("\"'")
    return parts[0].lower(), charset


def _status(record: ArcWarcRecord) -> int | None:
    if record.http_headers is None or record.rec_type != "response":
        return None
    try:
        return int(record.http_headers.get_statuscode())
    except (TypeError, ValueError):
        return None


def _read_payload(record: ArcWarcRecord, limit: int) -> _Payload:
    """The decoded payload (transfer and content encodings undone), bounded; and whether the record was cut short.

    The rest of the record is drained either way so that warcio's own offset bookkeeping stays right.
    """
    stream = record.content_stream()
    data = stream.read(limit + 1)
    raw = record.raw_stream
    while raw.read(1 << 16):
        pass
    truncated = getattr(raw, "limit", 0) > 0
    return _Payload(None if len(data) > limit else data, truncated)


def _sniff_image(data: bytes) -> str | None:
    for magic, media in _IMAGE_MAGIC:
        if data.startswith(magic):
            return media
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _page_record(record: ArcWarcRecord, source: str, position: str, stats: ReadStats | None) -> RawRecord | None:
    if record.rec_type not in _CONTENT_RECORDS:
        if stats is not None:
            stats.skip(f"warc {record.rec_type} record")
        return None
    status = _status(record)
    if status is not None and not 200 <= status < 300:
        if stats is not None:
            stats.skip(f"warc response with HTTP status {status}")
        return None
    media, charset = _media_type(record)
    if media not in _HTML_TYPES and media not in _TEXT_TYPES:
        if stats is not None:
            stats.skip(f"warc {media or 'untyped'} payload")
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""
    try:
        payload = _read_payload(record, MAX_PAGE_BYTES)
    except Exception as exc:  # broken transfer/content encoding: this record only; warcio drains the rest
        return error_record(source, position, f"{media} payload of {url} unreadable: {type(exc).__name__}: {exc}")
    if payload.data is None:
        return error_record(source, position, f"{media} payload of {url} larger than {MAX_PAGE_BYTES} bytes limit")
    if payload.truncated:
        return error_record(source, position, f"record truncated: {media} payload of {url} is cut short")
    if media in _HTML_TYPES:
        raw = html_record(payload.data, source, position, http_charset=charset)
    else:
        text = payload.data.decode(_python_codec(charset), "replace")
        raw = RawRecord(source=source, position=position, raw=text, fields={"body": text})
    assert raw.fields is not None
    extra: dict[str, Any] = {
        "url": url or None,
        "fetched_at": record.rec_headers.get_header("WARC-Date"),
        "http_status": status,
        "content_type": media,
        "warc_record_id": record.rec_headers.get_header("WARC-Record-ID"),
    }
    raw.fields.update({k: v for k, v in extra.items() if v is not None})
    return raw


def _python_codec(charset: str | None) -> str:
    if charset:
        try:
            return codecs.lookup(charset).name
        except LookupError:
            pass
    return "utf-8"


# A record separator followed by the start of a WARC header: inside a block it means the Content-Length overran.
_EMBEDDED_HEADER = (b"\r\n\r\nWARC/1.0\r\n", b"\r\n\r\nWARC/1.1\r\n")
_HEADER_AT_LINE_START = (b"\nWARC/1.0\r\n", b"\nWARC/1.1\r\n")
_GZIP_MEMBER = (b"\x1f\x8b\x08",)
_SCAN_CHUNK = 1 << 20


def _digest_problem(record: ArcWarcRecord) -> str | None:
    """A failed block or payload digest (after the record was read to its end), or None."""
    checker = getattr(record, "digest_checker", None)
    problems = [p for p in getattr(checker, "problems", []) if "digest failed" in p]
    return "; ".join(problems) if problems else None


def _find(fh: IO[bytes], needles: tuple[bytes, ...], start: int, stop: int) -> int | None:
    """Offset of the first needle in fh[start:stop], read in chunks (the needles are short)."""
    overlap = max(len(n) for n in needles) - 1
    pos = start
    while pos < stop:
        fh.seek(pos)
        chunk = fh.read(min(_SCAN_CHUNK + overlap, stop - pos))
        if not chunk:
            return None
        hits = [i for i in (chunk.find(n) for n in needles) if i >= 0]
        if hits:
            return pos + min(hits)
        pos += _SCAN_CHUNK
    return None


def _boundary_problem(fh: IO[bytes], start: int, end: int, size: int) -> tuple[str, int | None] | None:
    """For a record of an uncompressed WARC at [start, end): why its Content-Length cannot be right, and the offset
    of the next WARC header to resume at (None: none found); None when the boundary is sound."""
    embedded = _find(fh, _EMBEDDED_HEADER, start + 1, end)
    if embedded is not None:
        return "the record's block holds another WARC record's header (Content-Length too large?)", embedded + 4
    fh.seek(end)
    after = fh.read(64)
    rest = after.lstrip(b"\r\n")
    if rest.startswith(b"WARC/") or (not rest and end + len(after) >= size):
        return None
    resume = _find(fh, _HEADER_AT_LINE_START, start + 1, size)
    why = "no WARC header follows where its Content-Length ends (Content-Length wrong?)"
    return why, None if resume is None else resume + 1


def read_warc(path: Path, *, source: str | None = None, stats: ReadStats | None = None) -> Iterator[RawRecord]:
    """Yield one RawRecord per page in a WARC / WARC.gz; never raises (damage ends the file with an error record,
    or, in an uncompressed WARC, costs the damaged record and reading resumes at the next header)."""
    src = source or display_path(path)
    count = 0
    end = 0
    base = 0
    try:
        size = path.stat().st_size
        compressed = is_gzip(path)
        # Where reading may resume after damage: the next WARC header (plain) or the next gzip member (.warc.gz).
        starts = _GZIP_MEMBER if compressed else _HEADER_AT_LINE_START
        skip = 0 if compressed else 1  # a header match starts at the "\n" before "WARC/"
        with path.open("rb") as fh, path.open("rb") as peek:
            while True:
                fh.seek(base)
                archive = ArchiveIterator(fh, check_digests=True)
                resume: int | None = None
                try:
                    for record in archive:
                        count += 1
                        start = archive.offset  # warcio offsets are absolute (from fh.tell())
                        position = f"record {count} (offset {start})"
                        if record.format != "warc":
                            # warcio reads anything line-based as (legacy) ARC: junk or a format we do not read.
                            found = _find(peek, starts, start + 1, size)
                            resume = None if found is None else found + skip
                            rest = "the rest of the file is not read" if resume is None else f"resuming at {resume}"
                            yield error_record(src, position, f"not a WARC record: {rest}")
                            break
                        result = _page_record(record, src, position, stats)
                        _drain(record)  # so the digests are complete, for skipped records too
                        end = archive.get_record_offset() + archive.get_record_length()
                        problem = _digest_problem(record)
                        boundary = None if compressed else _boundary_problem(peek, start, end, size)
                        if boundary is not None:
                            problem = "; ".join(p for p in (problem, boundary[0]) if p)
                        if problem:
                            url = record.rec_headers.get_header("WARC-Target-URI") or ""
                            yield error_record(src, position, f"damaged WARC record {url}: {problem}; quarantined")
                            if boundary is not None:
                                resume = boundary[1]
                                break
                            continue
                        if result is not None:
                            yield result
                    else:
                        if _has_trailing_data(fh, end, size):
                            yield error_record(
                                src,
                                f"record {count + 1} (offset {end})",
                                f"WARC truncated or damaged after record {count}: the rest of the file "
                                f"({size - end} bytes) cannot be read",
                            )
                        return
                except OSError:
                    raise
                except Exception as exc:  # warcio raises many kinds (ArchiveLoadFailed, zlib.error, AttributeError)
                    found = _find(peek, starts, max(end, base) + 1, size)
                    resume = None if found is None else found + skip
                    rest = "the rest of the file cannot be read" if resume is None else f"resuming at {resume}"
                    count += 1
                    yield error_record(
                        src,
                        f"record {count} (offset {end})",
                        f"WARC unreadable after record {count - 1}: {type(exc).__name__}: {str(exc)[:300]}; {rest}",
                    )
                if resume is None or resume <= base:
                    return
                base = resume
    except OSError as exc:
        yield error_record(src, f"record {count + 1}", f"cannot read file after record {count}: {exc.strerror or exc}")


def _drain(record: ArcWarcRecord) -> None:
    raw = record.raw_stream
    while raw.read(1 << 16):
        pass


def _has_trailing_data(fh: IO[bytes], end: int, size: int) -> bool:
    """True when bytes other than the blank lines that close the last record follow it."""
    if end >= size:
        return False
    fh.seek(end)
    return bool(fh.read(4096).strip())


def iter_warc_images(path: Path | str, *, stats: ReadStats | None = None) -> Iterator[WarcImage]:
    """Yield the image payloads (2xx response or resource records whose type or magic bytes say image).

    Images over MAX_IMAGE_BYTES, truncated ones, and damage that ends the file are counted in ``stats``.
    """
    path = Path(path)
    count = 0
    end = 0
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            archive = ArchiveIterator(fh, check_digests=True)
            for record in archive:
                count += 1
                position = f"record {count} (offset {archive.offset})"
                if record.format != "warc":
                    if stats is not None:
                        stats.skip("not a WARC record: rest of file not read")
                    return
                image = _image(record, position, stats)
                _drain(record)
                end = archive.get_record_offset() + archive.get_record_length()
                if image is not None and _digest_problem(record) is not None:
                    if stats is not None:
                        stats.skip("warc image failed its digest")  # damaged bytes must not be hashed as evidence
                    continue
                if image is not None:
                    yield image
            if _has_trailing_data(fh, end, size) and stats is not None:
                stats.skip(f"warc truncated or damaged after record {count}")
    except Exception as exc:  # same as read_warc: damage ends the file
        if stats is not None:
            stats.skip(f"warc unreadable after record {count}: {type(exc).__name__}")


def _image(record: ArcWarcRecord, position: str, stats: ReadStats | None) -> WarcImage | None:
    if record.rec_type not in _CONTENT_RECORDS:
        return None
    status = _status(record)
    if status is not None and not 200 <= status < 300:
        return None
    media, _ = _media_type(record)
    if not media.startswith("image/") and media not in ("", "application/octet-stream"):
        return None
    payload = _read_payload(record, MAX_IMAGE_BYTES)
    if payload.data is None or payload.truncated:
        if stats is not None:
            stats.skip("warc image over size limit" if payload.data is None else "warc image truncated")
        return None
    if not media.startswith("image/"):
        sniffed = _sniff_image(payload.data)
        if sniffed is None:
            return None
        media = sniffed
    return WarcImage(
        url=record.rec_headers.get_header("WARC-Target-URI") or "",
        content_type=media,
        data=payload.data,
        position=position,
        fetched_at=record.rec_headers.get_header("WARC-Date"),
    )
