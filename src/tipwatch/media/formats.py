"""Hash-list formats used in the field: parse (with a reason for every bad line) and write.

- ``csv``: a header row; a hash column (named after a signal type or one of its aliases: ``pdq``, ``md5``,
  ``sha256``, ``pdq_hash``..., or ``hash``/``signal``/``value`` with an optional ``signal_type`` column); every other
  non-empty column becomes per-entry metadata. PDQ CSV exports from ThreatExchange tools (``pdq_hash,quality,...``)
  load as they are.
- ``md5`` / ``sha256`` (every type with ``plain_format``): one hash per line, ``#`` comments and blank lines ignored;
  ``md5sum``/``sha256sum`` output (``<hex>  <filename>``) keeps the filename as metadata.
- ``te``: the ThreatExchange / HMA hash-and-signal-type form: ``<signal_type> <hash>`` per line (python-threatexchange's
  local-file exchange and ``threatexchange hash`` output), also accepted with a comma and in either order; written
  with python-threatexchange's type names (``pdq``, ``video_md5``, ``video_sha256``).
- ``threatexchange``: python-threatexchange's dataset CSV with metadata, read and written through the library
  (tipwatch.media.threatexchange_format; needs the ``hma`` extra).

Signal types are the registered ones (``tipwatch.media.signal_types``: pdq, md5, sha256 built in), read by name or
alias (ThreatExchange's ``photo_md5`` / ``video_md5`` read as ``md5``) and written by name (``te``: export name).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tipwatch.media.entries import EntryIn, meta_value, normalize_hash
from tipwatch.media.signal_types import lookup, names, signal_types

_GENERIC_HASH_COLUMNS = ("hash", "signal", "value", "signal_value", "hash_value")
_HEX = re.compile(r"^[0-9a-fA-F]+$")


@dataclass(slots=True)
class Parsed:
    entries: list[EntryIn] = field(default_factory=list)
    # (line number, reason) for every line that could not be used.
    errors: list[tuple[int, str]] = field(default_factory=list)


def plain_formats() -> tuple[str, ...]:
    """The one-hash-per-line formats: one per registered type that has one (md5, sha256)."""
    return tuple(t.name for t in signal_types() if t.plain_format)


def formats() -> tuple[str, ...]:
    """Every format ``parse`` and ``write`` take: csv, the plain lists, te, threatexchange."""
    return ("csv", *plain_formats(), "te", "threatexchange")


def signal_type_name(text: str) -> str | None:
    """The registered signal type a name or alias means; None if none."""
    found = lookup(text)
    return None if found is None else found.name


def parse(text: str, fmt: str, *, default_signal_type: str | None = None) -> Parsed:
    """Parse a whole hash list in format ``fmt`` (see ``formats()``)."""
    out = Parsed()
    for item in iter_parse(text.splitlines(keepends=True), fmt, default_signal_type=default_signal_type):
        if isinstance(item, EntryIn):
            out.entries.append(item)
        else:
            out.errors.append(item)
    return out


def iter_parse(
    lines: Iterable[str], fmt: str, *, default_signal_type: str | None = None
) -> Iterator[EntryIn | tuple[int, str]]:
    """Stream a hash list: each entry, or (line number, reason) for a line that cannot be used. Constant memory, so
    a 10M-line list imports without holding it."""
    if fmt == "csv":
        return _iter_csv(lines, default_signal_type)
    if fmt in plain_formats():
        return _iter_plain(lines, fmt)
    if fmt == "te":
        return _iter_te(lines)
    if fmt == "threatexchange":
        from tipwatch.media import threatexchange_format  # the hma extra's library: imported when used

        return threatexchange_format.iter_parse(lines)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(formats())}")


def _content_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(lines, start=1):
        stripped = line.strip().lstrip("\ufeff")
        if stripped and not stripped.startswith("#"):
            yield number, stripped


def _iter_plain(lines: Iterable[str], signal_type: str) -> Iterator[EntryIn | tuple[int, str]]:
    for number, line in _content_lines(lines):
        value, _, rest = line.partition(" ")
        filename = rest.strip().lstrip("*")  # sha256sum marks binary mode with '*'
        try:
            meta = {"filename": filename} if filename else {}
            yield EntryIn(signal_type, normalize_hash(signal_type, value), meta)
        except ValueError as exc:
            yield (number, str(exc))


def _iter_te(lines: Iterable[str]) -> Iterator[EntryIn | tuple[int, str]]:
    for number, line in _content_lines(lines):
        parts = [p for p in re.split(r"[,\s]+", line) if p]
        if len(parts) < 2:
            yield (number, "expected '<signal_type> <hash>'")
            continue
        first, second = parts[0], parts[1]
        stype = signal_type_name(first)
        value = second
        if stype is None:
            stype, value = signal_type_name(second), first
        if stype is None:
            yield (number, f"unknown signal type in {line[:80]!r}")
            continue
        try:
            yield EntryIn(stype, normalize_hash(stype, value))
        except ValueError as exc:
            yield (number, str(exc))


def _iter_csv(lines: Iterable[str], default_signal_type: str | None) -> Iterator[EntryIn | tuple[int, str]]:
    rows = csv.reader(_strip_bom(lines))
    header: list[str] | None = None
    hash_col = type_col = -1
    fixed_type: str | None = None
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a field over the csv module's limit: that line is reported, the rest read
            yield (rows.line_num, f"CSV error: {exc}")
            continue
        number = rows.line_num
        if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [c.strip().lower() for c in row]
            hash_col, type_col, fixed_type = _csv_columns(header)
            if hash_col < 0:
                yield (number, f"no hash column in header {row!r} (want {', '.join(names())} or hash)")
                return
            continue
        stype = fixed_type
        if 0 <= type_col < len(row) and row[type_col].strip():
            stype = signal_type_name(row[type_col])
            if stype is None:
                yield (number, f"unknown signal type {row[type_col][:40]!r}")
                continue
        stype = stype or default_signal_type
        if stype is None:
            yield (number, "signal type unknown: add a signal_type column or name the hash column")
            continue
        if hash_col >= len(row):
            yield (number, "row has no hash")
            continue
        try:
            value = normalize_hash(stype, row[hash_col])
        except ValueError as exc:
            yield (number, str(exc))
            continue
        meta = {
            header[i]: meta_value(cell)
            for i, cell in enumerate(row)
            if i not in (hash_col, type_col) and i < len(header) and header[i] and cell.strip()
        }
        yield EntryIn(stype, value, meta)


def _strip_bom(lines: Iterable[str]) -> Iterator[str]:
    it = iter(lines)
    for first in it:
        yield first.lstrip("\ufeff")
        break
    yield from it


def _csv_columns(header: list[str]) -> tuple[int, int, str | None]:
    type_col = header.index("signal_type") if "signal_type" in header else -1
    for i, name in enumerate(header):
        stype = signal_type_name(name)
        if stype is not None:
            return i, type_col, stype
    for i, name in enumerate(header):
        if name in _GENERIC_HASH_COLUMNS:
            return i, type_col, None
    return -1, type_col, None


def detect(text: str) -> str | None:
    """Guess the format from the first content line; None when it is ambiguous (a bare 64-hex line could be PDQ or
    SHA-256, so the caller must say)."""
    for _number, line in _content_lines(text.splitlines()):
        if line.lower().replace(" ", "").startswith("signal_type,signal_str,collab"):
            return "threatexchange"
        parts = [p for p in re.split(r"[,\s]+", line) if p]
        if len(parts) >= 2:
            a, b = parts[0], parts[1]
            if (signal_type_name(a) and _HEX.match(b)) or (signal_type_name(b) and _HEX.match(a)):
                return "te"
        if "," in line:
            return "csv"
        if parts and _HEX.match(parts[0]):
            # A bare hash: its length must name one registered type, and that type must have a plain list format.
            same = [t for t in signal_types() if t.hex_digits == len(parts[0])]
            return same[0].name if len(same) == 1 and same[0].plain_format else None
        return None
    return None


def write(entries: Iterable[EntryIn], fmt: str, *, collab: str = "tipwatch") -> str:
    """Serialize entries in ``fmt``; plain lists keep only their own signal type. ``collab``: the collaboration the
    threatexchange format names (a bank's name)."""
    items = list(entries)
    if fmt == "threatexchange":
        from tipwatch.media import threatexchange_format

        return threatexchange_format.write(items, collab=collab)
    buf = io.StringIO()
    if fmt in plain_formats():
        for e in items:
            if e.signal_type == fmt:
                name = e.meta.get("filename")
                buf.write(f"{e.value}  {name}\n" if name else f"{e.value}\n")
    elif fmt == "te":
        for e in items:
            buf.write(f"{_te_name(e.signal_type)} {e.value}\n")
    elif fmt == "csv":
        keys = sorted({k for e in items for k in e.meta if k not in ("signal_type", "hash")})
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["signal_type", "hash", *keys])
        for e in items:
            writer.writerow([e.signal_type, e.value, *(_cell(e.meta.get(k)) for k in keys)])
    else:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(formats())}")
    return buf.getvalue()


def _te_name(name: str) -> str:
    # A stored type whose plugin is gone is written under its stored name.
    found = lookup(name)
    return name if found is None else found.te_name


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
