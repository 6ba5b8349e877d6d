"""Hash banks in python-threatexchange's dataset form, read and written through the library itself.

The ``threatexchange`` format is the CSV that ``threatexchange dataset --print-signals --csv`` prints (the CLI of
Meta's python-threatexchange, which HMA deployments are built on): a header ``signal_type,signal_str,collab,category,
tags`` and one row per signal:

- ``signal_type``: python-threatexchange's name (``pdq``, ``video_md5``, ``video_sha256``: its PdqSignal,
  VideoMD5Signal and VideoSHA256Signal, whose ``validate_signal_str`` checks each hash on the way in and out);
- ``signal_str``: the hash;
- ``collab``: the collaboration (on export, the bank's name);
- ``category``: a ``SignalOpinionCategory`` name (POSITIVE_CLASS: the bank lists what it matches; NEGATIVE_CLASS and
  INVESTIGATION_SEED are kept in the entry's metadata as ``te_category``);
- ``tags``: space-separated. tipwatch writes each metadata field as a tag ``key=value`` (both percent-encoded, so a
  space or "=" survives); tags without "=" are ThreatExchange labels, kept as ``te_tags``. Values read back like the
  CSV format's: canonical integers become numbers, everything else stays text.

Reading never runs anything from the file: it is CSV text, checked row by row; a bad row is named with its line
number and reason and skipped. (The library's own state files are pickles and dbm databases: never read here.)
The local-file exchange (python-threatexchange's ``LocalFileSignalExchangeAPI``, ``<signal_type> <signal>`` per
line) is the ``te`` format of tipwatch.media.formats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, unquote

from tipwatch.media.entries import EntryIn, meta_value, normalize_hash

HEADER = ("signal_type", "signal_str", "collab", "category", "tags")
DEFAULT_CATEGORY = "POSITIVE_CLASS"
MAX_FIELD = 8192

# tipwatch signal type -> python-threatexchange SignalType class (module, class name).
_LIBRARY_TYPES: dict[str, tuple[str, str]] = {
    "pdq": ("threatexchange.signal_type.pdq.signal", "PdqSignal"),
    "md5": ("threatexchange.signal_type.md5", "VideoMD5Signal"),
    "sha256": ("threatexchange.signal_type.sha256", "VideoSHA256Signal"),
}


class MissingLibrary(ValueError):
    """python-threatexchange is not installed (the ``hma`` extra)."""


def library_types() -> dict[str, Any]:
    """tipwatch signal type name -> python-threatexchange SignalType class."""
    import importlib

    try:
        return {name: getattr(importlib.import_module(module), cls) for name, (module, cls) in _LIBRARY_TYPES.items()}
    except ImportError:
        raise MissingLibrary(
            "the threatexchange format needs python-threatexchange: pip install 'tipwatch[hma]'"
        ) from None


def _meta_tags(meta: dict[str, Any]) -> list[str]:
    tags = sorted(t for t in str(meta.get("te_tags", "")).split() if t)
    tags += [
        f"{quote(str(k), safe='')}={quote(str(v), safe='')}"
        for k, v in sorted(meta.items())
        if k not in ("te_tags", "te_category") and v is not None
    ]
    return tags


def write(entries: Iterable[EntryIn], *, collab: str) -> str:
    """The dataset CSV of ``entries``; each hash passes the library's check."""
    types = library_types()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for e in entries:
        cls = types.get(e.signal_type)
        if cls is None:  # a type HMA has no name for is left out (the bank's CSV export keeps it)
            continue
        category = str(e.meta.get("te_category", DEFAULT_CATEGORY))
        writer.writerow(
            (cls.get_name(), cls.validate_signal_str(e.value), collab, category, " ".join(_meta_tags(e.meta)))
        )
    return buf.getvalue()


def iter_parse(lines: Iterable[str]) -> Iterator[EntryIn | tuple[int, str]]:
    """Each entry, or (line number, reason) for a row that cannot be used."""
    by_library_name = {cls.get_name(): (name, cls) for name, cls in library_types().items()}
    from threatexchange.exchanges.fetch_state import SignalOpinion, SignalOpinionCategory

    rows = csv.reader(lines)
    header: list[str] | None = None
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            yield (rows.line_num, f"CSV error: {exc}")
            continue
        number = rows.line_num
        if not row or all(not c.strip() for c in row):
            continue
        if header is None:
            header = [c.strip().lstrip("\ufeff").lower() for c in row]
            if tuple(header[: len(HEADER)]) != HEADER:
                yield (number, f"header must be {','.join(HEADER)}")
                return
            continue
        if any(len(c) > MAX_FIELD for c in row):
            yield (number, f"a field longer than {MAX_FIELD} characters")
            continue
        if len(row) < len(HEADER):
            yield (number, f"expected {len(HEADER)} fields, got {len(row)}")
            continue
        te_name, signal, _collab, category, tags = (c.strip() for c in row[: len(HEADER)])
        found = by_library_name.get(te_name)
        if found is None:
            yield (number, f"unknown signal type {te_name[:40]!r} (want {', '.join(sorted(by_library_name))})")
            continue
        name, cls = found
        try:
            value = normalize_hash(name, cls.validate_signal_str(signal))
        except ValueError as exc:
            yield (number, str(exc)[:200])
            continue
        try:
            opinion = SignalOpinion(False, SignalOpinionCategory[category], set(tags.split()))
        except KeyError:
            yield (number, f"unknown category {category[:40]!r}")
            continue
        meta: dict[str, Any] = {}
        labels = []
        for tag in sorted(opinion.tags):
            key, eq, val = tag.partition("=")
            if eq and key:
                meta[unquote(key)] = meta_value(unquote(val))
            else:
                labels.append(tag)
        if labels:
            meta["te_tags"] = " ".join(labels)
        if opinion.category != SignalOpinionCategory.POSITIVE_CLASS:
            meta["te_category"] = opinion.category.name
        yield EntryIn(name, value, meta)
