"""``read``: any mix of files and folders -> one stream of RawRecords, format chosen by extension (or ``fmt``)."""

from __future__ import annotations

import errno
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
from tipwatch.sources.jsonl import LineRange, line_ranges, read_jsonl, read_lines_range, splittable
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
    """Stream the records of every path: files by extension, folders recursively (sorted; hidden entries and
    symlinked folders counted in ``stats`` and left out; symlinks leading out of the folder, dangling or looping
    become error records).

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


def _walk(root: Path, stats: ReadStats | None) -> Iterator[tuple[Path, str | None]]:
    """Entries under root as (path, problem): a folder's files in name order, then its subfolders likewise (one
    listing per level in memory). ``problem`` is None for a regular file inside root, else why it is not read.

    Symlinks are resolved and must stay inside root (the same rule as image paths): a link out of the folder
    (to /etc/passwd, ~/.ssh), a dangling link and a link loop are each reported, never followed, never fatal.
    Symlinked folders are not descended into (a link to a parent would loop; a folder inside root is read at its
    real place). FIFOs, sockets and devices are never opened (reading a FIFO would block the run).
    """
    real_root = root.resolve()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield Path(folder), f"cannot list folder: {exc.strerror or exc}"
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                if stats is not None:
                    stats.skip("hidden file or folder")
                continue
            try:
                if entry.is_symlink():
                    problem = _symlink_problem(path, real_root)
                    if problem == "folder":
                        if stats is not None:
                            stats.skip("symlinked folder (not followed)")
                        continue
                    yield path, problem
                elif entry.is_dir(follow_symlinks=False):
                    subfolders.append(path)
                elif entry.is_file(follow_symlinks=False):
                    yield path, None
                else:
                    yield path, "not a regular file (FIFO, socket or device): not read"
            except OSError as exc:
                yield path, f"cannot inspect entry: {exc.strerror or exc}"
        stack.extend(reversed(subfolders))


def _symlink_problem(path: Path, real_root: Path) -> str | None:
    """None when the link leads to a regular file inside the input folder; "folder" for a link to a folder;
    otherwise the reason it is not read."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 raises this for a loop
        return "symlink loop: not read"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop: not read"
        return f"dangling symlink (target {os.readlink(path)!r} does not exist): not read"
    if not target.is_relative_to(real_root):
        return f"symlink leads outside the input folder (to {target}): not read"
    if target.is_dir():
        return "folder"
    if not target.is_file():
        return "symlink to something that is not a regular file: not read"
    return None


def _read_folder(
    root: Path, columns: Mapping[str, str] | None, fmt: str | None, stats: ReadStats | None
) -> Iterator[RawRecord]:
    for path, problem in _walk(root, stats):
        if problem is not None:
            relative = path.relative_to(root).as_posix() if path != root else "."
            yield error_record(display_path(root), f"file {relative}", problem)
            continue
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


def read_span(path: Path | str, span: LineRange, *, columns: Mapping[str, str] | None = None) -> Iterator[RawRecord]:
    """The records of one piece of a plain JSONL file (see ``plan_pieces``), named as ``read`` names them."""
    path = Path(path)
    return read_lines_range(path, span, columns=columns, source=display_path(path))


def plan_pieces(path: Path | str, fmt: str | None, lines_per_piece: int) -> list[LineRange] | None:
    """How to read one input in pieces: line ranges for a plain JSONL file, None for anything to read whole
    (folders, gzip, CSV, HTML, WARC, a .json array). The pieces together give exactly ``read([path])``'s records."""
    path = Path(path)
    if not path.is_file() or (fmt or detect_format(path)) != "jsonl":
        return None
    try:
        if not splittable(path):
            return None
        return line_ranges(path, lines_per_piece)
    except OSError:
        return None  # unreadable: read whole, the reader reports it as an error record
