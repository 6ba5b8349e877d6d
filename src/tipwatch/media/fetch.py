"""Download an image on request (never by default: tipwatch works offline unless asked).

Through tipwatch.safehttp: every hop's addresses checked (no loopback, private, link-local... unless
``allow_private``), redirects followed and checked one by one, URLs with credentials refused, one total deadline for
the whole download, a byte cap enforced while streaming (a lying Content-Length cannot get past it). The Content-Type
must be an image (or missing/octet-stream, then the decoder decides). Returns bytes or a reason; never raises on a
bad server.
"""

from __future__ import annotations

from dataclasses import dataclass

from tipwatch.media.images import DEFAULT_MAX_BYTES
from tipwatch.safehttp import Limits, get

_UNTYPED = ("", "application/octet-stream", "binary/octet-stream")


@dataclass(slots=True, frozen=True)
class FetchOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = 20.0  # for the whole download, redirects included
    max_redirects: int = 5
    user_agent: str = "tipwatch (image hashing for human review)"
    allow_private: bool = False  # --allow-private-addresses: fetch from loopback/private/link-local addresses too


@dataclass(slots=True)
class Fetched:
    url: str  # the final URL after redirects
    data: bytes
    content_type: str
    status: int


def fetch_image(url: str, options: FetchOptions | None = None) -> Fetched | str:
    """GET ``url`` within the limits; the image bytes or a reason naming what went wrong."""
    opts = options or FetchOptions()
    limits = Limits(
        max_bytes=opts.max_bytes,
        timeout=opts.timeout,
        max_redirects=opts.max_redirects,
        allow_private=opts.allow_private,
        user_agent=opts.user_agent,
    )

    def accept(status: int, headers: dict[str, str]) -> str | None:
        if status != 200:
            return f"HTTP {status} from {url[:200]}"
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        if not ctype.startswith("image/") and ctype not in _UNTYPED:
            return f"not an image: Content-Type {ctype!r}"
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > opts.max_bytes:
            return f"too large: Content-Length {declared} > {opts.max_bytes} bytes"
        return None

    got = get(url, limits, accept=accept)
    if isinstance(got, str):
        return got
    ctype = got.headers.get("content-type", "").split(";")[0].strip().lower()
    return Fetched(got.url, got.body, ctype, got.status)
