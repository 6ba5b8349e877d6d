"""What every reader shares: limits, the missing-path error, skip counters and opening (maybe gzipped) files."""

from __future__ import annotations

import gzip
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tipwatch.model import RawRecord

MiB = 1024 * 1024
# One JSONL line / CSV line / CSV field: longer ones become error records (memory stays bounded).
MAX_LINE_BYTES = 8 * MiB
# One saved HTML page or WARC text payload.
MAX_PAGE_BYTES = 16 * MiB
# One WARC image payload (iter_warc_images).
MAX_IMAGE_BYTES = 32 * MiB
# How much of an oversized record is kept in RawRecord.raw so a reviewer can see what it was.
RAW_PREVIEW_CHARS = 4096

GZIP_MAGIC = b"\x1f\x8b"

# Errors that mean the rest of a compressed stream cannot be read (truncated or corrupt gzip).
STREAM_ERRORS: tuple[type[BaseException], ...] = (EOFError, gzip.BadGzipFile, zlib.error)


class SourceNotFound(FileNotFoundError):
    """An input path given by the user does not exist (the CLI turns it into exit code 1)."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(f"input not found: {path}")
        self.path = str(path)


@dataclass(slots=True)
class ReadStats:
    """Inputs a reader passed over on purpose, counted by reason so that nothing is dropped silently.

    These are not records (a stylesheet inside a WARC, a .png saved beside an HTML page, a WARC request record),
    so they are not quarantined; the caller prints the counts.
    """

    skipped: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())


def display_path(path: Path) -> str:
    """The path as the user gave it, with forward slashes, so source names are the same on every OS."""
    return path.as_posix()


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for streaming reads, decompressing it when it is gzip (by content, not by name)."""
    if is_gzip(path):
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]  # GzipFile is a BinaryIO at run time
    return path.open("rb")


def gzip_damage(path: Path) -> str | None:
    """Why a gzip file does not read cleanly to its end (bad CRC or length, truncated, corrupt), or None.

    gzip checks its CRC and length only at the end of each member, so a streaming reader would hand on garbled
    records before it learns of the damage. The file is decompressed once to the end (output discarded) before its
    records are read; see docs/decisions-sources.md ("gzip files are checked before they are read").
    """
    try:
        with gzip.GzipFile(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except EOFError:
        return "gzip stream truncated"
    except (gzip.BadGzipFile, zlib.error) as exc:
        return f"gzip stream corrupt ({exc})"
    except OSError as exc:
        return f"cannot read file ({exc.strerror or exc})"
    return None


def distrust(records: Iterator[RawRecord], damage: str) -> Iterator[RawRecord]:
    """The records of a damaged file, each turned into an error record that names the damage (kept raw), so that
    none is stored and every one is accounted for in the quarantine."""
    for record in records:
        if record.error is None:
            yield error_record(
                record.source,
                record.position,
                f"file damaged ({damage}): its records cannot be trusted and are not stored",
                preview(record.raw),
            )
        else:
            yield record


def strip_gz(name: str) -> str:
    lower = name.lower()
    return name[:-3] if lower.endswith(".gz") else name


def preview(text: str) -> str:
    """A bounded prefix of an oversized record for RawRecord.raw."""
    if len(text) <= RAW_PREVIEW_CHARS:
        return text
    return text[:RAW_PREVIEW_CHARS] + f"... [{len(text) - RAW_PREVIEW_CHARS} more characters not kept]"


def error_record(source: str, position: str, error: str, raw: str = "") -> RawRecord:
    return RawRecord(source=source, position=position, raw=raw, fields=None, error=error)


def stream_error_message(exc: BaseException, after: str) -> str:
    """Say why the rest of a compressed stream could not be read, naming the last good record."""
    if isinstance(exc, EOFError):
        return f"gzip stream truncated after {after}: the rest of the file cannot be read"
    return f"gzip stream corrupt after {after}: {exc}; the rest of the file cannot be read"
