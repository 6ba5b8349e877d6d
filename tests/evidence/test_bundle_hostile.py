"""`evidence.bundle.verify` on hostile files: it never raises, and refuses a ZIP from its directory (too many
entries, too much to unpack) before decompressing anything; a signed bundle of a shape it does not know fails with
the reason."""

from __future__ import annotations

import zipfile
from pathlib import Path

from bundle_helpers import signed_bundle

from tipwatch.evidence import bundle
from tipwatch.evidence.bundle import Limits


def test_too_many_entries_are_refused_from_the_directory(tmp_path: Path) -> None:
    path = tmp_path / "many.wacz"
    with zipfile.ZipFile(path, "w") as zf:
        for n in range(11):
            zf.writestr(f"f{n}", b"")
    verdict = bundle.verify(path, limits=Limits(max_entries=10))
    assert not verdict.ok and verdict.failure == "many.wacz: 11 entries, more than the 10 allowed"


def test_a_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = tmp_path / "bomb.wacz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("datapackage.json", b"\0" * 5_000_000)
    assert path.stat().st_size < 10_000
    verdict = bundle.verify(path, limits=Limits(max_unpacked=1_000_000), label="upload")
    assert verdict.failure == "upload: unpacks to 5000000 bytes, more than the 1000000 allowed"


def test_a_damaged_entry_fails_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "crc.wacz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("datapackage.json", b'{"resources": []}')
    data = bytearray(path.read_bytes())
    data[data.index(b'{"resources"') + 2] ^= 1  # one byte of the entry: its CRC no longer matches
    path.write_bytes(bytes(data))
    verdict = bundle.verify(path)
    assert not verdict.ok and "datapackage.json: cannot be read from the bundle" in verdict.failure


def test_a_signed_bundle_of_an_unknown_shape_fails_instead_of_raising(tmp_path: Path) -> None:
    out = signed_bundle(tmp_path / "odd.wacz", items=b'{"not": "a list of items"}')
    verdict = bundle.verify(out)
    assert not verdict.ok
    assert verdict.failure.startswith("the bundle's records do not have the expected shape (TypeError")
