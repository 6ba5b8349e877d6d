"""PDQ: conformance with Meta's reference tool on every row of expected.csv, and the pieces it rests on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from media_helpers import expected_rows, photo
from PIL import Image

from tipwatch.media.hamming import hamming
from tipwatch.media.hashing import hash_file
from tipwatch.media.pdq import (
    DIHEDRAL_NAMES,
    from_hex,
    pack,
    pdq_dihedral,
    pdq_hash,
    reference_downsample,
    reference_downsample_image,
    unpack,
)

ROWS = expected_rows()


def _row_id(row: dict[str, str]) -> str:
    return f"{row['file']}:{row['kind']}"


@pytest.mark.parametrize("row", ROWS or [pytest.param(None, id="no-reference-data")], ids=_row_id if ROWS else None)
def test_every_reference_row_matches(pdq_dir: Path, row: dict[str, str] | None) -> None:
    assert row is not None
    kind = row["kind"]
    got = hash_file(pdq_dir / row["file"], dihedral=kind.startswith("dihedral-"))
    assert got.ok, got.error
    if kind == "hash":
        value = got.pdq
    else:
        number, name = kind.removeprefix("dihedral-").split("-", 1)
        assert DIHEDRAL_NAMES[int(number)] == name  # our order is the reference tool's order
        assert got.dihedral is not None
        value = got.dihedral[int(number)]
    assert value is not None
    distance = hamming(bytes.fromhex(value), bytes.fromhex(row["pdq_hex"]))
    assert distance <= int(row["max_distance"]), f"{_row_id(row)}: {distance} bits off"


def test_reference_data_has_all_kinds(pdq_dir: Path) -> None:
    kinds = {r["kind"] for r in ROWS}
    assert "hash" in kinds
    assert {f"dihedral-{i}-{n}" for i, n in enumerate(DIHEDRAL_NAMES)} <= kinds
    assert any(r["max_distance"] == "0" for r in ROWS)


def test_low_quality_reference_image(pdq_dir: Path) -> None:
    got = hash_file(pdq_dir / "misc" / "small.jpg")
    assert got.quality is not None and got.quality < 50


def test_without_pre_resize_hashes_drift(pdq_dir: Path) -> None:
    # Documents why reference_downsample exists: hashing the full-size picture lands bits away from Meta's hash.
    import pdqhash

    row = next(r for r in ROWS if r["file"] == "dih/bridge-1-original.jpg" and r["kind"] == "hash")
    rgb = np.asarray(Image.open(pdq_dir / row["file"]).convert("RGB"))
    bits, _ = pdqhash.compute(np.ascontiguousarray(rgb))
    naive = np.packbits(np.asarray(bits, np.uint8)).tobytes()
    assert hamming(naive, bytes.fromhex(row["pdq_hex"])) > 0
    assert pdq_hash(rgb).hex == row["pdq_hex"]


@pytest.mark.parametrize("width", [*range(513, 1400, 37), 1600, 2048, 4000, 4097, 6001])
@pytest.mark.parametrize("height", [100, 512, 777, 1004])
def test_pillow_sampling_equals_reference_formula(width: int, height: int) -> None:
    # Pixel values encode their coordinates, so any off-by-one in the sampled rows or columns shows.
    ys, xs = np.mgrid[0:height, 0:width]
    rgb = np.stack([xs % 256, xs // 256, ys % 256], axis=2).astype(np.uint8)
    img = Image.fromarray(rgb, "RGB")
    expected = reference_downsample(rgb)
    assert expected.shape == (512, 512, 3)
    np.testing.assert_array_equal(reference_downsample_image(img), expected)


def test_small_images_are_not_resized() -> None:
    rgb = np.asarray(photo(1, (300, 200)))
    assert reference_downsample(rgb).shape == (200, 300, 3)
    assert reference_downsample_image(Image.fromarray(rgb)).shape == (200, 300, 3)


def test_dihedral_variants_are_hashes_of_transformed_images() -> None:
    img = photo(7, (400, 300))
    variants, quality = pdq_dihedral(np.asarray(img))
    assert quality >= 50 and len(variants) == 8 and len(set(variants)) == 8
    rotated = np.asarray(img.transpose(Image.Transpose.ROTATE_270))  # 90 degrees clockwise
    # The rotated picture's own hash is one of the original's dihedral variants (within a few bits).
    own = pdq_hash(rotated).hash
    best = min(range(8), key=lambda i: hamming(own, variants[i]))
    assert best != 0
    assert hamming(own, variants[best]) <= 10
    assert hamming(own, variants[0]) > 31


def test_hex_and_packing_round_trip() -> None:
    rng = np.random.default_rng(3)
    raw = [rng.bytes(32) for _ in range(50)]
    assert unpack(pack(raw)) == raw
    assert from_hex(raw[0].hex().upper()) == raw[0]
    words = pack(raw)
    d = np.bitwise_count(words[0] ^ words[1]).sum()
    assert d == hamming(raw[0], raw[1])
    with pytest.raises(ValueError, match="64 hex digits"):
        from_hex("abc")
    with pytest.raises(ValueError, match="hexadecimal"):
        from_hex("z" * 64)
