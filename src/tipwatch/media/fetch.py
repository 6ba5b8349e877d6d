"""Download an image on request (never by default: tipwatch works offline unless asked).

Limits: a byte cap enforced while streaming (a lying Content-Length cannot get past it), a total time limit, a
redirect limit, http/https only, and the Content-Type must be an image (or missing/octet-stream, then the decoder
decides). Returns bytes or a reason; never raises on a bad server.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from tipwatch.media.images import DEFAULT_MAX_BYTES

_UNTYPED = ("", "application/octet-stream", "binary/octet-stream")


@dataclass(slots=True, frozen=True)
class FetchOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = 20.0
    max_redirects: int = 5
    user_agent: str = "tipwatch (image hashing for human review)"


@dataclass(slots=True)
class Fetched:
    url: str  # the final URL after redirects
    data: bytes
    content_type: str
    status: int


def fetch_image(url: str, options: FetchOptions | None = None, *, client: httpx.Client | None = None) -> Fetched | str:
    """GET ``url`` within the limits; the image bytes or a reason naming what went wrong."""
    opts = options or FetchOptions()
    if not url.lower().startswith(("http://", "https://")):
        return f"not an http(s) URL: {url[:200]}"
    own = client is None
    http = client or httpx.Client(
        follow_redirects=True,
        max_redirects=opts.max_redirects,
        timeout=httpx.Timeout(opts.timeout),
        headers={"User-Agent": opts.user_agent},
    )
    deadline = time.monotonic() + opts.timeout
    try:
        with http.stream("GET", url) as resp:
            if resp.status_code != 200:
                return f"HTTP {resp.status_code} from {url[:200]}"
            ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
            if not ctype.startswith("image/") and ctype not in _UNTYPED:
                return f"not an image: Content-Type {ctype!r}"
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > opts.max_bytes:
                return f"too large: Content-Length {declared} > {opts.max_bytes} bytes"
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > opts.max_bytes:
                    return f"too large: over {opts.max_bytes} bytes"
                if time.monotonic() > deadline:
                    return f"too slow: not complete within {opts.timeout:g} s"
                chunks.append(chunk)
            return Fetched(str(resp.url), b"".join(chunks), ctype, resp.status_code)
    except httpx.TooManyRedirects:
        return f"too many redirects (over {opts.max_redirects})"
    except httpx.TimeoutException:
        return f"timed out after {opts.timeout:g} s"
    except httpx.HTTPError as exc:
        return f"download failed: {type(exc).__name__}: {exc}"[:300]
    finally:
        if own:
            http.close()
