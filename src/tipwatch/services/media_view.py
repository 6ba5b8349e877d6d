"""Showing one stored picture of a post in the web workspace (the page shows it blurred until clicked).

An image is served only when every rule holds, else ``MediaViewError`` says why and no byte leaves:
- neither the picture nor its post is restricted (a match in an abuse-material bank, here or through another post
  holding the same file): abuse material is never displayed or copied (403);
- the stored reference resolves to a regular file inside one of the configured image folders (no URL is fetched,
  no path or symlink leads out, the file is under the size cap) (404);
- the file's SHA-256 is still the one stored at analysis (409: it changed on disk since);
- its bytes are a JPEG, PNG, GIF or WebP image (415); the Content-Type comes from the bytes.
Every attempt is audited ("media.view"), served or refused.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from tipwatch.media.images import DEFAULT_MAX_BYTES, served_content_type
from tipwatch.media.post_media import local_image_file
from tipwatch.services import audit
from tipwatch.store.facade import Store

MAX_SERVED_BYTES = 20 * 1024 * 1024
ACTION = "media.view"


class MediaViewError(Exception):
    """An image that is not served: ``status`` is the HTTP status to answer, ``reason`` says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(slots=True, frozen=True)
class ServedImage:
    data: bytes
    content_type: str
    sha256: str


def image_bytes(
    store: Store, post_id: str, index: int, roots: list[Path], *, max_bytes: int = MAX_SERVED_BYTES
) -> tuple[bytes, str]:
    """The bytes and Content-Type of picture ``index`` (stored order) of ``post_id``, or ``MediaViewError``."""
    served = _served(store, post_id, index, roots, min(max_bytes, DEFAULT_MAX_BYTES))
    return served.data, served.content_type


def _served(store: Store, post_id: str, index: int, roots: list[Path], max_bytes: int) -> ServedImage:
    rows, _matches = store.media.post_media(post_id)
    if index < 0 or index >= len(rows):
        raise MediaViewError(404, "no such picture")
    row = rows[index]
    # Restriction first, before the file is even looked at: abuse material is never read for display.
    if row.restricted or store.media.is_restricted_post(post_id):
        raise MediaViewError(403, "withheld: matched an abuse-material bank")
    if row.sha256 and store.media.is_restricted_image(row.sha256):
        raise MediaViewError(403, "withheld: matched an abuse-material bank")
    if row.status != "ok" or not row.sha256:
        raise MediaViewError(404, f"picture was not hashed at analysis ({row.status}): nothing to check it against")
    data = local_image_file(row.ref, roots, max_bytes)
    if isinstance(data, tuple):
        raise MediaViewError(404, data[1])
    if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), row.sha256.lower()):
        raise MediaViewError(409, "the file changed on disk since it was analysed (SHA-256 differs)")
    content_type = served_content_type(data)
    if content_type is None:
        raise MediaViewError(415, "not a JPEG, PNG, GIF or WebP image")
    return ServedImage(data, content_type, row.sha256.lower())


def view_image(
    store: Store, actor: str, post_id: str, index: int, roots: list[Path], *, why: str = ""
) -> tuple[bytes, str]:
    """``image_bytes`` as an audited view: a "media.view" entry for every attempt (served or refused, and why)."""
    target = f"{post_id}#{index}"
    try:
        served = _served(store, post_id, index, roots, MAX_SERVED_BYTES)
    except MediaViewError as exc:
        audit.append(store, actor, ACTION, target, why, {"served": False, "status": exc.status, "reason": exc.reason})
        raise
    details = {"served": True, "sha256": served.sha256, "content_type": served.content_type, "bytes": len(served.data)}
    audit.append(store, actor, ACTION, target, why, details)
    return served.data, served.content_type
