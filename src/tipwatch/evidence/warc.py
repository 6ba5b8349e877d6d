"""One capture's HTTP exchanges as a gzipped WARC 1.1 file (warcio): a warcinfo record (tool, operator, case,
purpose), then for each exchange its request and its response (headers as sent and received, the address
connected to in WARC-IP-Address), the two linked by WARC-Concurrent-To."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tipwatch.evidence.custody import utc


@dataclass(slots=True)
class Exchange:
    """One GET as made: what was sent, what came back (``body`` empty for a redirect hop)."""

    url: str
    at: datetime
    status: int
    reason: str
    http_version: str
    request_headers: list[tuple[str, str]]
    response_headers: list[tuple[str, str]]
    body: bytes
    ip: str | None
    resource_type: str = "document"  # as the browser named it: document, image, stylesheet, script, ...
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names


def _warc_date(at: datetime) -> str:
    return utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def build_warc(exchanges: Sequence[Exchange], info: Mapping[str, Any], filename: str) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    writer.write_record(writer.create_warcinfo_record(filename, {k: str(v) for k, v in info.items()}))
    for ex in exchanges:
        date = _warc_date(ex.at)
        version = ex.http_version if ex.http_version.startswith("HTTP/") else "HTTP/1.1"
        response = writer.create_warc_record(
            ex.url,
            "response",
            payload=io.BytesIO(ex.body),
            length=len(ex.body),
            http_headers=StatusAndHeaders(f"{ex.status} {ex.reason}".strip(), ex.response_headers, protocol=version),
            warc_headers_dict={"WARC-Date": date, **({"WARC-IP-Address": ex.ip} if ex.ip else {})},
        )
        request = writer.create_warc_record(
            ex.url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(f"GET {_target(ex.url)} {version}", ex.request_headers, is_http_request=True),
            warc_headers_dict={"WARC-Date": date},
        )
        request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
        writer.write_record(response)
        writer.write_record(request)
    return out.getvalue()
