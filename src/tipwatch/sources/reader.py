"""``read``: any mix of files and folders -> one stream of RawRecords, format chosen by extension (or ``fmt``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from tipwatch.model import RawRecord
from tipwatch.sources.base import (
    ReadStats,
    SourceNotFound,
    display_path,
    distrust,
    error_record,
    gzip_damage,
    is_gzip,
    strip_gz,
)
from tipwatch.sources.delimited import read_csv
from tipwatch.sources.htmlpage import read_html_file
from tipwatch.sources.jsonl import read_jsonl
from tipwatch.sources.warc import read_warc

# Extension (after removing .gz) -> format.
EXTENSIONS: dict[str, str] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".jsonlines": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".warc": "warc",
}
FORMATS: tuple[str, ...] = ("jsonl", "csv", "tsv", "html", "warc")


def detect_format(path: Path) -> str | None:
    """The format of a file from its name: ad.jsonl.gz -> jsonl, crawl.warc.gz -> warc; None if unknown."""
    return EXTENSIONS.get(Path(strip_gz(path.name)).suffix.lower())


def read(
    paths: Iterable[Path | str],
    *,
    columns: Mapping[str, str] | None = None,
    fmt: str | None = None,
    stats: ReadStats | None = None,
) -> Iterator[RawRecord]:
    """Stream the records of every path: files by extension, folders recursively (sorted, hidden entries and
    symlinked folders left out).

    Checked before anything is read (so nothing is half-done): every path exists, else SourceNotFound; ``fmt`` is
    one of FORMATS, else ValueError. After that nothing raises: an unreadable file or record becomes an error
    record. A file named directly with an unknown extension gives an error record; inside a folder such files
    (the images and scripts of a saved page) are counted in ``stats`` instead.
    """
    if isinstance(paths, str | Path):  # read("ads.jsonl") means one path, not its characters
        paths = [paths]
    resolved = [Path(p) for p in paths]
    for path in resolved:
        if not path.exists():
            raise SourceNotFound(path)
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known formats: {', '.join(FORMATS)}")
    return _read_all(resolved, columns, fmt, stats)


def _read_all(
    paths: list[Path], columns: Mapping[str, str] | None, fmt: str | None, stats: ReadStats | None
) -> Iterator[RawRecord]:
    for path in paths:
        if path.is_dir():
            yield from _read_folder(path, columns, fmt, stats)
        else:
            yield from _read_file(path, columns, fmt, stats, explicit=True)


def _walk(root: Path) -> Iterator[Path]:
    """Files under root: a folder's files in name order, then its subfolders likewise (one listing per level in
    memory)."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(Path(entry.path))
            elif entry.is_file():
                yield Path(entry.path)
        stack.extend(reversed(subfolders))


def _read_folder(
    root: Path, columns: Mapping[str, str] | None, fmt: str | None, stats: ReadStats | None
) -> Iterator[RawRecord]:
    for path in _walk(root):
        file_fmt = fmt or detect_format(path)
        if file_fmt == "html":
            # Pages in a folder are one source (the folder) and positions name the file inside it.
            relative = path.relative_to(root).as_posix()
            yield from _checked(path, read_html_file(path, display_path(root), f"file {relative}"))
        elif file_fmt is None:
            if stats is not None:
                suffix = Path(strip_gz(path.name)).suffix.lower() or "(none)"
                stats.skip(f"file with unknown extension {suffix}")
        else:
            yield from _read_file(path, columns, file_fmt, stats, explicit=False)


def _read_file(
    path: Path, columns: Mapping[str, str] | None, fmt: str | None, stats: ReadStats | None, *, explicit: bool
) -> Iterator[RawRecord]:
    source = display_path(path)
    file_fmt = fmt or detect_format(path)
    if file_fmt == "jsonl":
        yield from _checked(path, read_jsonl(path, columns=columns, source=source))
    elif file_fmt in ("csv", "tsv"):
        delimiter = "\t" if file_fmt == "tsv" else None
        yield from _checked(path, read_csv(path, columns=columns, delimiter=delimiter, source=source))
    elif file_fmt == "html":
        yield from _checked(path, read_html_file(path, source, f"file {path.name}"))
    elif file_fmt == "warc":
        yield from read_warc(path, source=source, stats=stats)
    elif explicit:
        known = ", ".join(sorted(EXTENSIONS))
        yield error_record(
            source, "file", f"unknown format: {path.name!r} (known extensions: {known}, optionally .gz; or pass fmt)"
        )


def _checked(path: Path, records: Iterator[RawRecord]) -> Iterator[RawRecord]:
    """A gzip file's records pass only if the whole file decompresses cleanly (CRC and length checked at its end);
    otherwise every record of it is quarantined with the damage named. WARC files are checked per record instead
    (digests and record boundaries, in warc.py): one damaged record must not cost a whole crawl."""
    try:
        damage = gzip_damage(path) if is_gzip(path) else None
    except OSError:
        damage = None  # unreadable: the reader itself reports it
    if damage is None:
        yield from records
    else:
        yield from distrust(records, damage)
