"""Hash banks in the store: settings, import/export round trip, matching through the index, on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest
from media_helpers import encode, photo
from PIL import Image
from sqlalchemy import Engine, inspect

from tipwatch.media.banks import (
    BankError,
    add_entries,
    create_bank,
    delete_bank,
    iter_entries,
    list_banks,
    set_enabled,
    set_threshold,
)
from tipwatch.media.formats import EntryIn, parse, write
from tipwatch.media.hashing import hash_bytes
from tipwatch.media.index import load_index

MD5 = "9e107d9d372bb6826bd81d3542a419d6"


def _rand_pdq(rng: np.random.Generator) -> str:
    return rng.bytes(32).hex()


def test_bank_settings_and_validation(engine: Engine) -> None:
    bank = create_bank(engine, "hotline list", source="hotline X, 2026-11", licence="members only", pdq_threshold=20)
    assert bank.enabled and not bank.is_abuse_material and bank.pdq_threshold == 20
    assert bank.signal_types == ["md5", "pdq", "sha256"]
    with pytest.raises(BankError, match="exists already"):
        create_bank(engine, "hotline list", source="", licence="")
    with pytest.raises(BankError, match="threshold"):
        create_bank(engine, "b2", source="", licence="", pdq_threshold=100)
    with pytest.raises(BankError, match="signal types"):
        create_bank(engine, "b3", source="", licence="", signal_types=["photodna"])
    assert set_enabled(engine, "hotline list", False).enabled is False
    assert set_threshold(engine, "hotline list", 10).pdq_threshold == 10
    with pytest.raises(BankError, match="no bank"):
        set_enabled(engine, "nope", True)


def test_banks_have_no_place_for_images(engine: Engine) -> None:
    # Abuse-material banks hold hashes only: no column of the bank tables can hold image bytes.
    insp = inspect(engine)
    for table in ("hash_banks", "hash_bank_entries"):
        types = {c["name"]: str(c["type"]).upper() for c in insp.get_columns(table)}
        assert not any("BLOB" in t or "BYTEA" in t or "BINARY" in t for t in types.values()), types


def test_import_export_round_trip(engine: Engine) -> None:
    rng = np.random.default_rng(1)
    entries = [EntryIn("pdq", _rand_pdq(rng), {"case": "12", "quality": 100 - i}) for i in range(30)]
    entries += [EntryIn("md5", MD5, {"filename": "a.jpg"}), EntryIn("sha256", rng.bytes(32).hex(), {})]
    create_bank(engine, "victims case 12", source="police unit", licence="case use only")
    first = add_entries(engine, "victims case 12", parse(write(entries, "csv"), "csv").entries)
    assert (first.added, first.duplicates) == (32, 0)
    again = add_entries(engine, "victims case 12", entries[:5])
    assert (again.added, again.duplicates) == (0, 5)
    exported = write([EntryIn(e.signal_type, e.value, e.meta) for e in iter_entries(engine, "victims case 12")], "csv")
    create_bank(engine, "copy", source="export", licence="same")
    add_entries(engine, "copy", parse(exported, "csv").entries)
    a = [(e.signal_type, e.value, e.meta) for e in iter_entries(engine, "victims case 12")]
    b = [(e.signal_type, e.value, e.meta) for e in iter_entries(engine, "copy")]
    assert a == b and len(a) == 32
    assert {x.name: x.entries for x in list_banks(engine)} == {"victims case 12": 32, "copy": 32}
    # The TE form and plain lists carry the hashes (not metadata).
    te = parse(write([EntryIn(s, v, m) for s, v, m in a], "te"), "te").entries
    assert [(e.signal_type, e.value) for e in te] == [(s, v) for s, v, _ in a]


def test_bank_refuses_signal_types_it_does_not_hold(engine: Engine) -> None:
    create_bank(engine, "md5 only", source="s", licence="l", signal_types=["md5"])
    result = add_entries(engine, "md5 only", [EntryIn("md5", MD5), EntryIn("pdq", "0" * 64)])
    assert result.added == 1 and result.refused == [(1, "bank 'md5 only' does not hold pdq hashes")]


def test_rotated_copy_matches_and_disabled_bank_does_not(engine: Engine) -> None:
    original = photo(11, (900, 700))
    h = hash_bytes(encode(original), dihedral=False)
    assert h.pdq is not None and h.quality is not None and h.quality >= 50
    create_bank(engine, "known victims", source="case 12", licence="case use")
    add_entries(engine, "known victims", [EntryIn("pdq", h.pdq, {"person": "V1"})])
    create_bank(engine, "unrelated", source="x", licence="y")
    add_entries(engine, "unrelated", [EntryIn("pdq", hash_bytes(encode(photo(99))).pdq or "")])

    # A copy rotated 90 degrees, shrunk and re-encoded: its own PDQ is far off, a dihedral variant is close.
    rotated = original.transpose(Image.Transpose.ROTATE_90).resize((350, 450))
    q = hash_bytes(encode(rotated, quality=70), dihedral=True)
    assert q.dihedral is not None
    index = load_index(engine)
    hits = index.match(sha256=q.sha256, md5=q.md5, dihedral=q.dihedral, quality=q.quality)
    assert [(m.bank_name, m.signal_type) for m in hits] == [("known victims", "pdq")]
    assert hits[0].variant != "original" and hits[0].distance <= 31
    # Only the original orientation: no match.
    assert index.match(sha256=None, md5=None, dihedral=q.dihedral[:1], quality=q.quality) == []

    set_enabled(engine, "known victims", False)
    assert load_index(engine).match(sha256=q.sha256, md5=q.md5, dihedral=q.dihedral, quality=q.quality) == []


def test_per_bank_threshold_and_exact_hashes(engine: Engine) -> None:
    img = encode(photo(5))
    h = hash_bytes(img, dihedral=True)
    assert h.pdq is not None and h.dihedral is not None
    near = bytearray(bytes.fromhex(h.pdq))
    for i in range(3):  # 24 bits away
        near[i] ^= 0xFF
    create_bank(engine, "strict", source="s", licence="l", pdq_threshold=16)
    create_bank(engine, "loose", source="s", licence="l", pdq_threshold=31)
    add_entries(engine, "strict", [EntryIn("pdq", near.hex())])
    add_entries(
        engine, "loose", [EntryIn("pdq", near.hex()), EntryIn("md5", h.md5 or ""), EntryIn("sha256", h.sha256 or "")]
    )
    hits = load_index(engine).match(sha256=h.sha256, md5=h.md5, dihedral=h.dihedral, quality=h.quality)
    got = sorted((m.bank_name, m.signal_type, m.distance) for m in hits)
    assert got == [("loose", "md5", 0), ("loose", "pdq", 24), ("loose", "sha256", 0)]


def test_low_quality_is_not_matched_by_pdq(engine: Engine) -> None:
    flat = encode(Image.new("RGB", (300, 300), (120, 120, 120)))
    h = hash_bytes(flat, dihedral=True)
    assert h.quality is not None and h.quality < 50 and h.pdq is not None
    create_bank(engine, "b", source="s", licence="l")
    add_entries(engine, "b", [EntryIn("pdq", h.pdq), EntryIn("md5", h.md5 or "")])
    hits = load_index(engine).match(sha256=h.sha256, md5=h.md5, dihedral=h.dihedral, quality=h.quality)
    assert [m.signal_type for m in hits] == ["md5"]  # the file itself still matches exactly


def test_delete_bank(engine: Engine) -> None:
    create_bank(engine, "gone", source="s", licence="l")
    add_entries(engine, "gone", [EntryIn("md5", MD5)])
    delete_bank(engine, "gone")
    assert list_banks(engine) == [] and len(load_index(engine)) == 0
