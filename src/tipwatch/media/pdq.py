"""PDQ (Meta's perceptual hash) exactly as the reference tool computes it, plus the bit helpers matching needs.

The ``pdqhash`` package wraps Meta's C++ core but not the reference tool's first step: an image with a side over
512 px is resized to 512x512 by nearest neighbour (aspect ratio ignored, row i <- row floor(i*H/512)). Without that
step hashes land a few bits off Meta's; with it they are bit-exact (tests/media/test_media_pdq.py).

Hashes travel as 32 raw bytes in the reference tool's order (the 64-hex-digit string, most significant bit first),
and as four uint64 words for matching; only XOR and popcount are ever applied to the words, so their byte order
does not matter as long as every side packs the same way (``pack``). Distances: ``tipwatch.media.hamming``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pdqhash
from PIL import Image

BITS = 256
REFERENCE_SIDE = 512
# The usable-quality floor Meta recommends: below it the hash says more about flatness than about the picture.
MIN_QUALITY = 50
# Meta's recommended match threshold for PDQ (Hamming distance out of 256).
DEFAULT_THRESHOLD = 31
# Order of pdqhash.compute_dihedral and of the reference tool's dihedral mode.
DIHEDRAL_NAMES: tuple[str, ...] = (
    "original",
    "rotate-90",
    "rotate-180",
    "rotate-270",
    "flipx",
    "flipy",
    "flip-plus-1",
    "flip-minus-1",
)


@dataclass(slots=True, frozen=True)
class PdqHash:
    hash: bytes  # 32 bytes
    quality: int

    @property
    def hex(self) -> str:
        return self.hash.hex()


def reference_downsample(rgb: np.ndarray) -> np.ndarray:
    """The reference tool's pre-resize: any side over 512 -> 512x512 nearest neighbour, aspect ignored."""
    height, width = rgb.shape[:2]
    if height <= REFERENCE_SIDE and width <= REFERENCE_SIDE:
        return np.ascontiguousarray(rgb)
    rows = (np.arange(REFERENCE_SIDE, dtype=np.int64) * height) // REFERENCE_SIDE
    cols = (np.arange(REFERENCE_SIDE, dtype=np.int64) * width) // REFERENCE_SIDE
    return np.ascontiguousarray(np.take(np.take(rgb, rows, axis=0), cols, axis=1))


def reference_downsample_image(img: Image.Image) -> np.ndarray:
    """reference_downsample for a Pillow RGB image, done by Pillow before the pixels become an array.

    Converting a 1-megapixel image to numpy costs more than hashing it; sampling first converts 4x fewer pixels. An
    affine NEAREST transform samples input column floor(a*(x + 0.5) + c); with a = W/512 and c = -a/2 + eps that is
    floor(x*W/512 + eps), the reference's column for any eps below 1/512 (the smallest fractional step) and above
    float rounding. tests/media/test_media_pdq.py checks it against reference_downsample for over a hundred sizes.
    """
    width, height = img.size
    if height <= REFERENCE_SIDE and width <= REFERENCE_SIDE:
        return np.asarray(img, dtype=np.uint8)
    ax, ay = width / REFERENCE_SIDE, height / REFERENCE_SIDE
    eps = 1.0 / 4096
    small = img.transform(
        (REFERENCE_SIDE, REFERENCE_SIDE),
        Image.Transform.AFFINE,
        (ax, 0.0, -0.5 * ax + eps, 0.0, ay, -0.5 * ay + eps),
        resample=Image.Resampling.NEAREST,
    )
    return np.asarray(small, dtype=np.uint8)


def _bits_to_bytes(bits: np.ndarray) -> bytes:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()


def pdq_hash(rgb: np.ndarray) -> PdqHash:
    """PDQ of an RGB uint8 image (H, W, 3), equal to the reference tool's output."""
    bits, quality = pdqhash.compute(reference_downsample(rgb))
    return PdqHash(_bits_to_bytes(bits), int(quality))


def pdq_dihedral(rgb: np.ndarray) -> tuple[list[bytes], int]:
    """The 8 dihedral hashes (order: DIHEDRAL_NAMES) and the quality; index 0 equals pdq_hash(rgb).hash."""
    variants, quality = pdqhash.compute_dihedral(reference_downsample(rgb))
    return [_bits_to_bytes(v) for v in variants], int(quality)


def pdq_hash_image(img: Image.Image) -> PdqHash:
    """pdq_hash for a Pillow RGB image (the fast path: sample in Pillow, then hash)."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(reference_downsample_image(img)))
    return PdqHash(_bits_to_bytes(bits), int(quality))


def pdq_dihedral_image(img: Image.Image) -> tuple[list[bytes], int]:
    """pdq_dihedral for a Pillow RGB image."""
    variants, quality = pdqhash.compute_dihedral(np.ascontiguousarray(reference_downsample_image(img)))
    return [_bits_to_bytes(v) for v in variants], int(quality)


def from_hex(text: str) -> bytes:
    """Parse a 64-hex-digit PDQ hash; ValueError with the reason otherwise."""
    clean = text.strip().lower()
    if len(clean) != 64:
        raise ValueError(f"a PDQ hash has 64 hex digits, got {len(clean)}")
    try:
        return bytes.fromhex(clean)
    except ValueError:
        raise ValueError("a PDQ hash is hexadecimal") from None


def pack(hashes: list[bytes] | np.ndarray) -> np.ndarray:
    """(n, 4) uint64 words from n 32-byte hashes (a list of bytes or an (n, 32) uint8 array)."""
    if isinstance(hashes, np.ndarray):
        raw = np.ascontiguousarray(hashes, dtype=np.uint8).reshape(-1, 32)
    else:
        raw = np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(-1, 32)
    return np.ascontiguousarray(raw).view(np.uint64).reshape(-1, 4)


def unpack(words: np.ndarray) -> list[bytes]:
    raw = np.ascontiguousarray(words, dtype=np.uint64).view(np.uint8).reshape(-1, 32)
    return [row.tobytes() for row in raw]
