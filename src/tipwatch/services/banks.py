"""Hash banks: create, list, import, export, hash images in, enable/disable, threshold, delete; and the
mandatory-reporting queue of posts whose images matched an abuse-material bank."""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tipwatch.media.banks import BankError, accepted, check_name, check_signal_types, check_threshold
from tipwatch.media.formats import EntryIn, detect, formats, iter_parse, write
from tipwatch.media.pdq import DEFAULT_THRESHOLD
from tipwatch.media.signal_types import names
from tipwatch.store.facade import Store
from tipwatch.store.interface.media import Bank, BankEntry, NewBank, ReportItem

__all__ = [
    "AddResult",
    "Bank",
    "BankEntry",
    "BankError",
    "ImportResult",
    "ReportItem",
    "add_entries",
    "add_images",
    "check_format",
    "choose_format",
    "create_bank",
    "delete_bank",
    "export_bank",
    "get_bank",
    "import_file",
    "import_stream",
    "iter_entries",
    "list_banks",
    "mark_reported",
    "report_queue",
    "require_bank",
    "set_enabled",
    "set_threshold",
]


@dataclass(slots=True)
class AddResult:
    added: int = 0
    duplicates: int = 0
    # (position in the input, reason) for entries refused (wrong signal type for the bank).
    refused: list[tuple[int, str]] = field(default_factory=list)


@dataclass(slots=True)
class ImportResult:
    format: str
    added: AddResult
    bad_lines: int  # lines of the file that hold no usable entry
    sha256: str = ""  # of the file imported, so the audit log names what was imported
    size: int = 0


def create_bank(
    store: Store,
    name: str,
    *,
    source: str,
    licence: str,
    description: str = "",
    signal_types: Iterable[str] | None = None,
    is_abuse_material: bool = False,
    pdq_threshold: int = DEFAULT_THRESHOLD,
    created_by: str = "",
    enabled: bool = True,
) -> Bank:
    """A new empty bank holding ``signal_types`` (None: every registered type)."""
    name = check_name(name)
    types = check_signal_types(names() if signal_types is None else signal_types)
    check_threshold(pdq_threshold)
    if store.banks.get_bank(name) is not None:
        raise BankError(f"a bank named {name!r} exists already")
    new = NewBank(name, source, licence, description, types, enabled, is_abuse_material, pdq_threshold, created_by)
    return store.banks.create_bank(new)


def get_bank(store: Store, name: str) -> Bank | None:
    return store.banks.get_bank(name)


def require_bank(store: Store, name: str) -> Bank:
    bank = store.banks.get_bank(name)
    if bank is None:
        raise BankError(f"no bank named {name!r}")
    return bank


def list_banks(store: Store) -> list[Bank]:
    return store.banks.list_banks()


def set_enabled(store: Store, name: str, enabled: bool) -> Bank:
    store.banks.update_bank(require_bank(store, name).id, enabled=enabled)
    return require_bank(store, name)


def set_threshold(store: Store, name: str, threshold: int) -> Bank:
    check_threshold(threshold)
    store.banks.update_bank(require_bank(store, name).id, pdq_threshold=threshold)
    return require_bank(store, name)


def delete_bank(store: Store, name: str) -> None:
    store.banks.delete_bank(require_bank(store, name).id)


def add_entries(store: Store, name: str, entries: Iterable[EntryIn]) -> AddResult:
    """Add entries to a bank (streamed); one already in the bank counts as a duplicate, one of a signal type the
    bank does not hold is refused with its position."""
    bank = require_bank(store, name)
    result = AddResult()
    counts = store.banks.add_entries(bank.id, accepted(bank.name, bank.signal_types, entries, result.refused))
    result.added, result.duplicates = counts.added, counts.duplicates
    return result


def iter_entries(store: Store, name: str) -> Iterator[BankEntry]:
    """Every entry of a bank in insertion order, streamed (constant memory)."""
    return store.banks.iter_entries(require_bank(store, name).id)


def choose_format(path: Path, fmt: str = "auto") -> str:
    """The hash-list format of a file: ``fmt``, or with "auto" the one its first 64 KB show; BankError when unknown
    or when the content does not tell (a bare 64-hex list is PDQ or SHA-256)."""
    if fmt == "auto":
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            chosen = detect(fh.read(65536))
    else:
        chosen = fmt
    if chosen is None:
        raise BankError("cannot tell the format (a bare 64-hex list is PDQ or SHA-256): name the format (--format)")
    check_format(chosen)
    return chosen


def check_format(fmt: str) -> None:
    if fmt not in formats():
        raise BankError(f"unknown format {fmt!r}; one of {', '.join(formats())}")
    if fmt == "threatexchange":  # needs python-threatexchange (the hma extra): say so before reading anything
        from tipwatch.media.threatexchange_format import MissingLibrary, library_types

        try:
            library_types()
        except MissingLibrary as exc:
            raise BankError(str(exc)) from None


def import_file(
    store: Store,
    name: str,
    path: Path,
    *,
    fmt: str = "auto",
    signal_type: str | None = None,
    on_bad_line: Callable[[int, str], None] | None = None,
) -> ImportResult:
    """Import a hash list file into a bank, streamed (a 10M-line list is never held in memory). Each line that
    cannot be used goes to ``on_bad_line(line number, reason)`` as it is read. The result gives the file's
    SHA-256 and size, taken in the same pass, so an audit entry can name exactly what was imported."""
    chosen = choose_format(path, fmt)
    bad = 0

    def entries(lines: Iterable[str]) -> Iterator[EntryIn]:
        nonlocal bad
        for item in iter_parse(lines, chosen, default_signal_type=signal_type):
            if isinstance(item, EntryIn):
                yield item
                continue
            bad += 1
            if on_bad_line is not None:
                on_bad_line(*item)

    with path.open("rb") as raw:
        hashed = _Hashing(raw)
        with io.TextIOWrapper(io.BufferedReader(hashed), encoding="utf-8", errors="replace", newline="") as fh:
            added = add_entries(store, name, entries(fh))
            while fh.buffer.read(1 << 20):  # the whole file is hashed, whatever the parser left unread
                pass
    return ImportResult(chosen, added, bad, hashed.digest.hexdigest(), hashed.size)


class _Hashing(io.RawIOBase):
    """A binary file read through, its SHA-256 and size taken as it goes."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        self.size += len(data)
        return len(data)


def import_stream(
    store: Store,
    name: str,
    stream: IO[bytes],
    *,
    fmt: str = "auto",
    signal_type: str | None = None,
    on_bad_line: Callable[[int, str], None] | None = None,
) -> ImportResult:
    """``import_file`` for an upload (a file object, bounded by the caller): copied to a private temporary file first
    (the format is detected from its start, then it is streamed), removed afterwards. The bank is checked first."""
    require_bank(store, name)
    if fmt != "auto":
        check_format(fmt)
    with tempfile.TemporaryDirectory(prefix="tipwatch-bank-") as folder:
        path = Path(folder) / "upload"
        with path.open("wb") as out:
            while chunk := stream.read(1 << 20):
                out.write(chunk)
        return import_file(store, name, path, fmt=fmt, signal_type=signal_type, on_bad_line=on_bad_line)


def export_bank(store: Store, name: str, fmt: str = "csv") -> str:
    """A bank's entries in one of the exchange formats (``tipwatch.media.formats.formats()``)."""
    check_format(fmt)
    return write((EntryIn(e.signal_type, e.value, e.meta) for e in iter_entries(store, name)), fmt, collab=name)


def add_images(
    store: Store,
    name: str,
    files: Sequence[Path],
    *,
    note: str = "",
    on_problem: Callable[[str, str], None] | None = None,
) -> tuple[AddResult, int]:
    """Hash image files into a bank: SHA-256, MD5, PDQ and any other registered signal type, as the bank's signal
    types allow (the images are not stored). Returns the result and how many files had a problem (each reported to
    ``on_problem(file, message)`` as it is hashed)."""
    from tipwatch.media.hashing import hash_files

    entries: list[EntryIn] = []
    bad = 0
    for path, h in hash_files(list(files)):
        meta = {"filename": Path(path).name, **({"note": note} if note else {})}
        if h.sha256 is None or h.md5 is None:
            bad += 1
            if on_problem is not None:
                on_problem(str(path), str(h.error))
            continue
        entries += [EntryIn(stype, value, {**meta, **extra}) for stype, value, extra in h.signal_items()]
        if h.error:
            bad += 1
            if on_problem is not None:
                on_problem(str(path), f"no PDQ: {h.error}")
    allowed = set(require_bank(store, name).signal_types)
    return add_entries(store, name, [e for e in entries if e.signal_type in allowed]), bad


def report_queue(store: Store, *, status: str | None = "pending") -> list[ReportItem]:
    """The mandatory-reporting queue (one status, or all with None): posts whose images matched an abuse-material
    bank, oldest first. Hashes only."""
    return store.media.report_queue(status=status)


def mark_reported(store: Store, post_id: str, *, by: str, reference: str) -> None:
    """Record that a queued post was reported (e.g. to NCMEC or the national hotline); the restriction stays."""
    if not by.strip() or not reference.strip():
        raise ValueError("who reported and the report's reference are both required")
    if not store.media.mark_reported(post_id, by=by, reference=reference):
        raise ValueError(f"post {post_id!r} is not in the mandatory-reporting queue")
