"""Images stored inside WARC files: find them by URL, read them on demand.

A crawl's WARC holds the page and, as separate response records, the images it showed. A post read from a WARC
names its images by URL; ``WarcImages`` maps each image URL to its record's offset, so a worker reads only the
records it needs and never holds the whole archive in memory.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tipwatch.media.images import DEFAULT_MAX_BYTES


@dataclass(slots=True)
class WarcImages:
    path: Path
    offsets: dict[str, int]

    def read(self, url: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | str:
        """The image bytes stored for ``url``, or a reason."""
        offset = self.offsets.get(url)
        if offset is None:
            return f"image not in {self.path.name}: {url[:200]}"
        try:
            with self.path.open("rb") as fh:
                fh.seek(offset)
                for record in ArchiveIterator(fh):
                    data = record.content_stream().read(max_bytes + 1)
                    if len(data) > max_bytes:
                        return f"WARC image too large: over {max_bytes} bytes"
                    return bytes(data)
        except Exception as exc:  # warcio raises many types on a damaged archive
            return f"cannot read WARC record for {url[:200]}: {type(exc).__name__}: {exc}"[:300]
        return f"WARC record missing at offset {offset} in {self.path.name}"


def scan_warc_images(path: Path) -> WarcImages:
    """Index the image responses of one WARC (.warc or .warc.gz). A damaged tail ends the scan, keeping what came
    before it."""
    offsets: dict[str, int] = {}
    try:
        with path.open("rb") as fh:
            it = ArchiveIterator(fh)
            for record in it:
                if record.rec_type not in ("response", "resource"):
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI")
                ctype = ""
                if record.http_headers is not None:
                    ctype = record.http_headers.get_header("Content-Type") or ""
                else:
                    ctype = record.rec_headers.get_header("Content-Type") or ""
                if uri and ctype.lower().startswith("image/"):
                    offsets.setdefault(uri, it.get_record_offset())
    except Exception:  # truncated gzip or corrupt record: keep the images found so far
        pass
    return WarcImages(path, offsets)


@functools.lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int, size: int) -> WarcImages:
    return scan_warc_images(Path(path))


def warc_images(path: Path) -> WarcImages:
    """scan_warc_images, cached per process for as long as the file is unchanged."""
    st = os.stat(path)
    return _cached(str(path.resolve()), st.st_mtime_ns, st.st_size)


def is_warc(path: str) -> bool:
    lower = path.lower()
    return lower.endswith((".warc", ".warc.gz"))
