"""Hash-bank administration as a person does it, from any front door, each act audited: ``bank.create``,
``bank.import``, ``bank.add_images``, ``bank.export``, ``bank.enable``, ``bank.disable``, ``bank.threshold``,
``bank.delete``.

What a bank matches decides which posts are flagged as known abuse material or known victims, so every change to
it (a threshold widened, an abuse bank switched off, a list imported) is in the audit log with who, why and the
numbers, whether it came from the API, the /banks page or ``tipwatch banks``. services.banks does the work; this
module is what the front doors call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO

from tipwatch.services import audit, banks
from tipwatch.services.banks import AddResult, Bank, ImportResult
from tipwatch.store.facade import Store

__all__ = ["add_images", "change_threshold", "create", "delete", "export", "import_file", "import_upload", "switch"]

BadLine = Callable[[int, str], None]


def create(
    store: Store,
    actor: str,
    name: str,
    *,
    source: str,
    licence: str,
    description: str = "",
    signal_types: Iterable[str] | None = None,
    is_abuse_material: bool = False,
    pdq_threshold: int = banks.DEFAULT_THRESHOLD,
    enabled: bool = True,
    why: str = "",
) -> Bank:
    """Create a bank (BankError when the name is taken or a setting is wrong)."""
    bank = banks.create_bank(
        store,
        name,
        source=source,
        licence=licence,
        description=description,
        signal_types=signal_types,
        is_abuse_material=is_abuse_material,
        pdq_threshold=pdq_threshold,
        created_by=actor,
        enabled=enabled,
    )
    details = {
        "source": bank.source,
        "licence": bank.licence,
        "signal_types": bank.signal_types,
        "abuse_material": bank.is_abuse_material,
        "pdq_threshold": bank.pdq_threshold,
        "enabled": bank.enabled,
    }
    audit.append(store, actor, "bank.create", f"bank:{bank.name}", why, details)
    return bank


def _imported(store: Store, actor: str, name: str, result: ImportResult, file: str, why: str) -> None:
    bank = banks.require_bank(store, name)
    details = {
        "file": file[:200],
        "sha256": result.sha256,
        "bytes": result.size,
        "format": result.format,
        "added": result.added.added,
        "duplicates": result.added.duplicates,
        "refused": len(result.added.refused),
        "bad_lines": result.bad_lines,
        "entries": bank.entries,
    }
    audit.append(store, actor, "bank.import", f"bank:{bank.name}", why, details)


def import_upload(
    store: Store,
    actor: str,
    name: str,
    stream: IO[bytes],
    *,
    filename: str,
    fmt: str = "auto",
    signal_type: str | None = None,
    why: str = "",
    on_bad_line: BadLine | None = None,
) -> ImportResult:
    """Import an uploaded hash list (services.banks.import_stream); the audit entry names the file by its SHA-256."""
    result = banks.import_stream(store, name, stream, fmt=fmt, signal_type=signal_type, on_bad_line=on_bad_line)
    _imported(store, actor, name, result, filename, why)
    return result


def import_file(
    store: Store,
    actor: str,
    name: str,
    path: Path,
    *,
    fmt: str = "auto",
    signal_type: str | None = None,
    why: str = "",
    on_bad_line: BadLine | None = None,
) -> ImportResult:
    """Import a hash list file (services.banks.import_file, streamed); the audit entry names the file by its
    SHA-256."""
    result = banks.import_file(store, name, path, fmt=fmt, signal_type=signal_type, on_bad_line=on_bad_line)
    _imported(store, actor, name, result, path.name, why)
    return result


def add_images(
    store: Store,
    actor: str,
    name: str,
    files: Sequence[Path],
    *,
    note: str = "",
    why: str = "",
    on_problem: Callable[[str, str], None] | None = None,
) -> tuple[AddResult, int]:
    """Hash image files into a bank (services.banks.add_images: only hashes are kept)."""
    result, bad = banks.add_images(store, name, files, note=note, on_problem=on_problem)
    details = {
        "files": len(files),
        "bad_files": bad,
        "added": result.added,
        "duplicates": result.duplicates,
        "entries": banks.require_bank(store, name).entries,
    }
    audit.append(store, actor, "bank.add_images", f"bank:{name}", why, details)
    return result, bad


def switch(store: Store, actor: str, name: str, enabled: bool, why: str = "") -> Bank:
    """Enable or disable a bank (BankError when unknown)."""
    bank = banks.set_enabled(store, name, enabled)
    audit.append(store, actor, "bank.enable" if enabled else "bank.disable", f"bank:{bank.name}", why, {})
    return bank


def change_threshold(store: Store, actor: str, name: str, threshold: int, why: str = "") -> Bank:
    """Set a bank's PDQ match threshold (BankError when unknown or out of range), audited with the old and new."""
    old = banks.require_bank(store, name).pdq_threshold
    bank = banks.set_threshold(store, name, threshold)
    details = {"old": old, "new": bank.pdq_threshold}
    audit.append(store, actor, "bank.threshold", f"bank:{bank.name}", why, details)
    return bank


def export(store: Store, actor: str, name: str, fmt: str, why: str = "") -> tuple[Bank, str]:
    """A bank's entries as text in ``fmt`` (BankError when unknown)."""
    bank = banks.require_bank(store, name)
    text = banks.export_bank(store, name, fmt)
    audit.append(store, actor, "bank.export", f"bank:{bank.name}", why, {"format": fmt, "entries": bank.entries})
    return bank, text


def delete(store: Store, actor: str, name: str, why: str = "") -> None:
    """Delete a bank and its entries (BankError when unknown); restrictions already recorded stay."""
    bank = banks.require_bank(store, name)
    banks.delete_bank(store, name)
    details = {"entries": bank.entries, "abuse_material": bank.is_abuse_material, "source": bank.source}
    audit.append(store, actor, "bank.delete", f"bank:{bank.name}", why, details)
