"""Hash bank rules: what a bank's settings may be, and which entries a bank takes.

A bank is a named list of hashes with its provenance (source, licence/terms), the signal types it holds, a PDQ
match threshold, and whether it is abuse material (matches are flagged and the image is never shown). Banks hold
hashes and per-entry metadata only. Storage: ``tipwatch.store.interface.media.BankStore``; use cases:
``tipwatch.services.banks``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tipwatch.media.formats import EntryIn
from tipwatch.media.pdq import BITS
from tipwatch.media.signal_types import names


class BankError(ValueError):
    """A bank operation the user can fix (unknown bank, duplicate name, bad setting)."""


def check_name(name: str) -> str:
    """The name as stored (trimmed); BankError when empty."""
    name = name.strip()
    if not name:
        raise BankError("a bank needs a name")
    return name


def check_signal_types(signal_types: Iterable[str]) -> list[str]:
    """The signal types as stored (sorted, distinct); BankError unless all are registered and there is one at least."""
    types = sorted(set(signal_types))
    known = names()
    unknown = [t for t in types if t not in known]
    if unknown or not types:
        raise BankError(f"signal types must be among {', '.join(known)}; got {', '.join(types) or 'none'}")
    return types


def check_threshold(threshold: int) -> None:
    # Beyond 64 bits apart two PDQ hashes share little more than chance (unrelated images sit near 128).
    if not 0 <= threshold <= 64:
        raise BankError(f"PDQ threshold must be between 0 and 64 (of {BITS} bits), got {threshold}")


def accepted(
    bank_name: str, signal_types: Iterable[str], entries: Iterable[EntryIn], refused: list[tuple[int, str]]
) -> Iterator[EntryIn]:
    """The entries a bank holding ``signal_types`` takes, lazily (an import is never all in memory); each refused
    one is appended to ``refused`` as (position in the input, reason)."""
    allowed = set(signal_types)
    for position, entry in enumerate(entries):
        if entry.signal_type not in allowed:
            refused.append((position, f"bank {bank_name!r} does not hold {entry.signal_type} hashes"))
            continue
        yield entry
