"""Hash banks in the store: create, list, enable/disable, add entries, export.

A bank is a named list of hashes with its provenance (source, licence/terms), the signal types it holds, a PDQ
match threshold, and whether it is abuse material (matches are flagged and the image is never shown). Banks hold
hashes and per-entry metadata only: there is no column an image could go into.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tipwatch.media.formats import SIGNAL_TYPES, EntryIn
from tipwatch.media.pdq import BITS, DEFAULT_THRESHOLD
from tipwatch.store.media_tables import hash_bank_entries, hash_banks

_BATCH = 5000


class BankError(ValueError):
    """A bank operation the user can fix (unknown bank, duplicate name, bad setting)."""


@dataclass(slots=True)
class Bank:
    id: int
    name: str
    source: str
    licence: str
    description: str
    signal_types: list[str]
    enabled: bool
    is_abuse_material: bool
    pdq_threshold: int
    created_by: str
    created_at: datetime
    entries: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "source": self.source,
            "licence": self.licence,
            "description": self.description,
            "signal_types": self.signal_types,
            "enabled": self.enabled,
            "is_abuse_material": self.is_abuse_material,
            "pdq_threshold": self.pdq_threshold,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "entries": self.entries,
        }


@dataclass(slots=True)
class AddResult:
    added: int = 0
    duplicates: int = 0
    # (position in the input, reason) for entries refused (wrong signal type for the bank).
    refused: list[tuple[int, str]] = field(default_factory=list)


def _check_threshold(threshold: int) -> None:
    # Beyond 64 bits apart two PDQ hashes share little more than chance (unrelated images sit near 128).
    if not 0 <= threshold <= 64:
        raise BankError(f"PDQ threshold must be between 0 and 64 (of {BITS} bits), got {threshold}")


def create_bank(
    engine: Engine,
    name: str,
    *,
    source: str,
    licence: str,
    description: str = "",
    signal_types: Iterable[str] = SIGNAL_TYPES,
    is_abuse_material: bool = False,
    pdq_threshold: int = DEFAULT_THRESHOLD,
    created_by: str = "",
    enabled: bool = True,
) -> Bank:
    name = name.strip()
    if not name:
        raise BankError("a bank needs a name")
    types = sorted(set(signal_types))
    unknown = [t for t in types if t not in SIGNAL_TYPES]
    if unknown or not types:
        raise BankError(f"signal types must be among {', '.join(SIGNAL_TYPES)}; got {', '.join(types) or 'none'}")
    _check_threshold(pdq_threshold)
    if get_bank(engine, name) is not None:
        raise BankError(f"a bank named {name!r} exists already")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(hash_banks).values(
                name=name,
                source=source,
                licence=licence,
                description=description,
                signal_types=types,
                enabled=enabled,
                is_abuse_material=is_abuse_material,
                pdq_threshold=pdq_threshold,
                created_by=created_by,
                created_at=now,
            )
        )
    bank = get_bank(engine, name)
    assert bank is not None
    return bank


def _row_to_bank(row: Any, entries: int = 0) -> Bank:
    created = row.created_at
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=UTC)  # SQLite drops the zone; everything is stored in UTC
    return Bank(
        id=row.id,
        name=row.name,
        source=row.source,
        licence=row.licence,
        description=row.description,
        signal_types=list(row.signal_types),
        enabled=bool(row.enabled),
        is_abuse_material=bool(row.is_abuse_material),
        pdq_threshold=int(row.pdq_threshold),
        created_by=row.created_by,
        created_at=created,
        entries=entries,
    )


def get_bank(engine: Engine, name: str) -> Bank | None:
    with engine.connect() as conn:
        row = conn.execute(select(hash_banks).where(hash_banks.c.name == name)).first()
        if row is None:
            return None
        count = conn.execute(
            select(func.count()).select_from(hash_bank_entries).where(hash_bank_entries.c.bank_id == row.id)
        ).scalar_one()
    return _row_to_bank(row, int(count))


def require_bank(engine: Engine, name: str) -> Bank:
    bank = get_bank(engine, name)
    if bank is None:
        raise BankError(f"no bank named {name!r}")
    return bank


def list_banks(engine: Engine) -> list[Bank]:
    counts = (
        select(hash_bank_entries.c.bank_id, func.count().label("n")).group_by(hash_bank_entries.c.bank_id).subquery()
    )
    stmt = (
        select(hash_banks, func.coalesce(counts.c.n, 0).label("n"))
        .outerjoin(counts, counts.c.bank_id == hash_banks.c.id)
        .order_by(hash_banks.c.name)
    )
    with engine.connect() as conn:
        return [_row_to_bank(row, int(row.n)) for row in conn.execute(stmt)]


def set_enabled(engine: Engine, name: str, enabled: bool) -> Bank:
    bank = require_bank(engine, name)
    with engine.begin() as conn:
        conn.execute(update(hash_banks).where(hash_banks.c.id == bank.id).values(enabled=enabled))
    return require_bank(engine, name)


def set_threshold(engine: Engine, name: str, threshold: int) -> Bank:
    _check_threshold(threshold)
    bank = require_bank(engine, name)
    with engine.begin() as conn:
        conn.execute(update(hash_banks).where(hash_banks.c.id == bank.id).values(pdq_threshold=threshold))
    return require_bank(engine, name)


def delete_bank(engine: Engine, name: str) -> None:
    bank = require_bank(engine, name)
    with engine.begin() as conn:
        # Explicit: SQLite enforces ON DELETE CASCADE only with the foreign_keys pragma on.
        conn.execute(delete(hash_bank_entries).where(hash_bank_entries.c.bank_id == bank.id))
        conn.execute(delete(hash_banks).where(hash_banks.c.id == bank.id))


def _insert_ignoring_duplicates(engine: Engine) -> Any:
    if engine.dialect.name == "postgresql":
        return postgresql.insert(hash_bank_entries).on_conflict_do_nothing()
    if engine.dialect.name == "sqlite":
        return sqlite.insert(hash_bank_entries).on_conflict_do_nothing()
    raise BankError(f"unsupported database dialect {engine.dialect.name!r}")


def add_entries(engine: Engine, name: str, entries: Iterable[EntryIn]) -> AddResult:
    """Add entries to a bank in batches; an entry already in the bank is counted as a duplicate, not an error."""
    bank = require_bank(engine, name)
    allowed = set(bank.signal_types)
    result = AddResult()
    stmt = _insert_ignoring_duplicates(engine)
    now = datetime.now(UTC)
    batch: list[dict[str, Any]] = []
    # Duplicates within a batch are counted here; across batches the unique constraint counts them (memory stays
    # constant however large the import).
    seen: set[tuple[str, str]] = set()

    def flush() -> None:
        if not batch:
            return
        with engine.begin() as conn:
            # RETURNING counts the rows really inserted (rowcount is unreliable for executemany).
            added = len(conn.execute(stmt.returning(hash_bank_entries.c.id), batch).all())
        result.added += added
        result.duplicates += len(batch) - added
        batch.clear()
        seen.clear()

    for position, entry in enumerate(entries):
        if entry.signal_type not in allowed:
            result.refused.append((position, f"bank {bank.name!r} does not hold {entry.signal_type} hashes"))
            continue
        key = (entry.signal_type, entry.value)
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        batch.append(
            {
                "bank_id": bank.id,
                "signal_type": entry.signal_type,
                "value": entry.value,
                "meta": entry.meta,
                "added_at": now,
            }
        )
        if len(batch) >= _BATCH:
            flush()
    flush()
    return result


@dataclass(slots=True, frozen=True)
class BankEntry:
    id: int
    bank_id: int
    signal_type: str
    value: str
    meta: dict[str, Any]


def iter_entries(engine: Engine, name: str, *, batch: int = 20000) -> Iterator[BankEntry]:
    """Every entry of a bank in insertion order, streamed in keyset pages (constant memory)."""
    bank = require_bank(engine, name)
    last = 0
    t = hash_bank_entries
    while True:
        stmt = select(t.c.id, t.c.signal_type, t.c.value, t.c.meta).where(t.c.bank_id == bank.id, t.c.id > last)
        with engine.connect() as conn:
            rows = conn.execute(stmt.order_by(t.c.id).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield BankEntry(row.id, bank.id, row.signal_type, row.value, dict(row.meta or {}))
        last = rows[-1].id


def get_entry(engine: Engine, entry_id: int) -> BankEntry | None:
    t = hash_bank_entries
    with engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.id == entry_id)).first()
    if row is None:
        return None
    return BankEntry(row.id, row.bank_id, row.signal_type, row.value, dict(row.meta or {}))
