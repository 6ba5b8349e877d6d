"""Hash banks in the store: settings, import/export round trip, matching through the index, on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from media_helpers import encode, photo
from PIL import Image
from sqlalchemy import Engine, inspect

from tipwatch.media.formats import EntryIn, parse, write
from tipwatch.media.hashing import hash_bytes
from tipwatch.services.banks import (
    BankError,
    add_entries,
    create_bank,
    delete_bank,
    iter_entries,
    list_banks,
    set_enabled,
    set_threshold,
)
from tipwatch.services.matching import load_index
from tipwatch.store.facade import Store

MD5 = "9e107d9d372bb6826bd81d3542a419d6"


def _rand_pdq(rng: np.random.Generator) -> str:
    return rng.bytes(32).hex()


def test_bank_settings_and_validation(store: Store) -> None:
    bank = create_bank(store, "hotline list", source="hotline X, 2026-11", licence="members only", pdq_threshold=20)
    assert bank.enabled and not bank.is_abuse_material and bank.pdq_threshold == 20
    assert bank.signal_types == ["md5", "pdq", "sha256"]
    with pytest.raises(BankError, match="exists already"):
        create_bank(store, "hotline list", source="", licence="")
    with pytest.raises(BankError, match="threshold"):
        create_bank(store, "b2", source="", licence="", pdq_threshold=100)
    with pytest.raises(BankError, match="signal types"):
        create_bank(store, "b3", source="", licence="", signal_types=["photodna"])
    assert set_enabled(store, "hotline list", False).enabled is False
    assert set_threshold(store, "hotline list", 10).pdq_threshold == 10
    with pytest.raises(BankError, match="no bank"):
        set_enabled(store, "nope", True)


def test_banks_have_no_place_for_images(engine: Engine) -> None:
    # Abuse-material banks hold hashes only: no column of the bank tables can hold image bytes.
    insp = inspect(engine)
    for table in ("hash_banks", "hash_bank_entries"):
        types = {c["name"]: str(c["type"]).upper() for c in insp.get_columns(table)}
        assert not any("BLOB" in t or "BYTEA" in t or "BINARY" in t for t in types.values()), types


def test_import_export_round_trip(store: Store) -> None:
    rng = np.random.default_rng(1)
    entries = [EntryIn("pdq", _rand_pdq(rng), {"case": "12", "quality": 100 - i}) for i in range(30)]
    entries += [EntryIn("md5", MD5, {"filename": "a.jpg"}), EntryIn("sha256", rng.bytes(32).hex(), {})]
    create_bank(store, "victims case 12", source="police unit", licence="case use only")
    first = add_entries(store, "victims case 12", parse(write(entries, "csv"), "csv").entries)
    assert (first.added, first.duplicates) == (32, 0)
    again = add_entries(store, "victims case 12", entries[:5])
    assert (again.added, again.duplicates) == (0, 5)
    exported = write([EntryIn(e.signal_type, e.value, e.meta) for e in iter_entries(store, "victims case 12")], "csv")
    create_bank(store, "copy", source="export", licence="same")
    add_entries(store, "copy", parse(exported, "csv").entries)
    a = [(e.signal_type, e.value, e.meta) for e in iter_entries(store, "victims case 12")]
    b = [(e.signal_type, e.value, e.meta) for e in iter_entries(store, "copy")]
    assert a == b and len(a) == 32
    assert {x.name: x.entries for x in list_banks(store)} == {"victims case 12": 32, "copy": 32}
    # The TE form and plain lists carry the hashes (not metadata).
    te = parse(write([EntryIn(s, v, m) for s, v, m in a], "te"), "te").entries
    assert [(e.signal_type, e.value) for e in te] == [(s, v) for s, v, _ in a]


def test_bank_refuses_signal_types_it_does_not_hold(store: Store) -> None:
    create_bank(store, "md5 only", source="s", licence="l", signal_types=["md5"])
    result = add_entries(store, "md5 only", [EntryIn("md5", MD5), EntryIn("pdq", "0" * 64)])
    assert result.added == 1 and result.refused == [(1, "bank 'md5 only' does not hold pdq hashes")]


def test_rotated_copy_matches_and_disabled_bank_does_not(store: Store) -> None:
    original = photo(11, (900, 700))
    h = hash_bytes(encode(original), dihedral=False)
    assert h.pdq is not None and h.quality is not None and h.quality >= 50
    create_bank(store, "known victims", source="case 12", licence="case use")
    add_entries(store, "known victims", [EntryIn("pdq", h.pdq, {"person": "V1"})])
    create_bank(store, "unrelated", source="x", licence="y")
    add_entries(store, "unrelated", [EntryIn("pdq", hash_bytes(encode(photo(99))).pdq or "")])

    # A copy rotated 90 degrees, shrunk and re-encoded: its own PDQ is far off, a dihedral variant is close.
    rotated = original.transpose(Image.Transpose.ROTATE_90).resize((350, 450))
    q = hash_bytes(encode(rotated, quality=70), dihedral=True)
    assert q.dihedral is not None
    index = load_index(store)
    hits = index.match(sha256=q.sha256, md5=q.md5, dihedral=q.dihedral, quality=q.quality)
    assert [(m.bank_name, m.signal_type) for m in hits] == [("known victims", "pdq")]
    assert hits[0].variant != "original" and hits[0].distance <= 31
    # Only the original orientation: no match.
    assert index.match(sha256=None, md5=None, dihedral=q.dihedral[:1], quality=q.quality) == []

    set_enabled(store, "known victims", False)
    assert load_index(store).match(sha256=q.sha256, md5=q.md5, dihedral=q.dihedral, quality=q.quality) == []


def test_per_bank_threshold_and_exact_hashes(store: Store) -> None:
    img = encode(photo(5))
    h = hash_bytes(img, dihedral=True)
    assert h.pdq is not None and h.dihedral is not None
    near = bytearray(bytes.fromhex(h.pdq))
    for i in range(3):  # 24 bits away
        near[i] ^= 0xFF
    create_bank(store, "strict", source="s", licence="l", pdq_threshold=16)
    create_bank(store, "loose", source="s", licence="l", pdq_threshold=31)
    add_entries(store, "strict", [EntryIn("pdq", near.hex())])
    add_entries(
        store, "loose", [EntryIn("pdq", near.hex()), EntryIn("md5", h.md5 or ""), EntryIn("sha256", h.sha256 or "")]
    )
    hits = load_index(store).match(sha256=h.sha256, md5=h.md5, dihedral=h.dihedral, quality=h.quality)
    got = sorted((m.bank_name, m.signal_type, m.distance) for m in hits)
    assert got == [("loose", "md5", 0), ("loose", "pdq", 24), ("loose", "sha256", 0)]


def test_low_quality_is_not_matched_by_pdq(store: Store) -> None:
    flat = encode(Image.new("RGB", (300, 300), (120, 120, 120)))
    h = hash_bytes(flat, dihedral=True)
    assert h.quality is not None and h.quality < 50 and h.pdq is not None
    create_bank(store, "b", source="s", licence="l")
    add_entries(store, "b", [EntryIn("pdq", h.pdq), EntryIn("md5", h.md5 or "")])
    hits = load_index(store).match(sha256=h.sha256, md5=h.md5, dihedral=h.dihedral, quality=h.quality)
    assert [m.signal_type for m in hits] == ["md5"]  # the file itself still matches exactly


def test_delete_bank(store: Store) -> None:
    create_bank(store, "gone", source="s", licence="l")
    add_entries(store, "gone", [EntryIn("md5", MD5)])
    delete_bank(store, "gone")
    assert list_banks(store) == [] and len(load_index(store)) == 0
