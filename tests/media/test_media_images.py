"""Hostile image inputs: every one gets a clear reason, none crashes; odd modes and EXIF orientation are handled."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from media_helpers import encode, photo
from PIL import Image

from tipwatch.media.hamming import hamming
from tipwatch.media.hashing import hash_bytes, hash_file
from tipwatch.media.images import ImageRejected, LoadedImage, load_image


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size: a decompression bomb is refused from its header, before any decoding."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"hello, this is a text file\n", "not an image"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "not an image"),  # EPS would run Ghostscript
        (_png_header_only(100_000, 100_000), "decompression bomb"),
        (encode(photo(1))[:3000], "truncated"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "image"),
    ],
    ids=["empty", "text", "eps", "bomb", "truncated-jpeg", "garbage-jpeg"],
)
def test_bad_inputs_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    got = load_image(data)
    assert isinstance(got, ImageRejected), got
    assert reason in got.reason
    h = hash_bytes(data)
    assert h.error == got.reason and h.pdq is None
    if data:
        assert h.sha256 is not None and len(h.sha256) == 64  # file hashes exist even for a bad image


def test_pixel_cap_is_configurable() -> None:
    data = encode(photo(2, (400, 300)))
    assert isinstance(load_image(data, max_pixels=100_000), ImageRejected)
    assert isinstance(load_image(data, max_pixels=120_000), LoadedImage)
    assert "file too large" in hash_bytes(data, max_bytes=100).error  # type: ignore[operator]


def test_missing_and_directory_paths(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "no such file" in (hash_file(tmp_path / "nope.jpg").error or "")
    assert "not a regular file" in (hash_file(tmp_path).error or "")


def _pdq(img: Image.Image, fmt: str = "PNG") -> bytes:
    h = hash_bytes(encode(img, fmt))
    assert h.ok and h.pdq is not None, h.error
    return bytes.fromhex(h.pdq)


def test_modes_hash_like_the_picture() -> None:
    base = photo(3, (320, 240))
    ref = _pdq(base)
    gray = base.convert("L")
    assert hamming(_pdq(gray), _pdq(gray.convert("RGB"))) == 0
    assert hamming(_pdq(base.convert("RGBA")), ref) == 0  # alpha dropped, as the reference tool does
    assert hamming(_pdq(gray.convert("LA")), _pdq(gray)) == 0
    assert hamming(_pdq(base.convert("P")), ref) <= 31  # palette quantisation changes pixels a little
    cmyk = hash_bytes(encode(base.convert("CMYK"), "JPEG", quality=95))
    assert cmyk.ok and hamming(bytes.fromhex(cmyk.pdq or ""), ref) <= 31
    # 16-bit grayscale keeps its picture (Pillow's own conversion would clip it to white).
    wide = (np.asarray(gray).astype(np.uint16) * 257).astype(np.uint16)
    img16 = Image.fromarray(wide)
    assert img16.mode.startswith("I;16")
    h16 = hash_bytes(encode(img16, "PNG"))
    assert h16.ok and h16.quality is not None and h16.quality >= 50
    assert hamming(bytes.fromhex(h16.pdq or ""), _pdq(gray)) <= 4


def test_exif_orientation_is_applied() -> None:
    base = photo(4, (400, 300))
    upright = hash_bytes(encode(base, "JPEG", quality=95))
    # The same picture stored sideways with EXIF orientation 6 ("rotate 90 CW to display").
    stored = base.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    tagged = hash_bytes(encode(stored, "JPEG", quality=95, exif=exif.tobytes()))
    untagged = hash_bytes(encode(stored, "JPEG", quality=95))
    assert tagged.width == 400 and tagged.height == 300 and "orientation 6" in tagged.note
    d_tagged = hamming(bytes.fromhex(tagged.pdq or ""), bytes.fromhex(upright.pdq or ""))
    d_untagged = hamming(bytes.fromhex(untagged.pdq or ""), bytes.fromhex(upright.pdq or ""))
    assert d_tagged <= 10 < d_untagged


def test_animated_gif_uses_first_frame() -> None:
    frames = [photo(5, (200, 150)), photo(6, (200, 150))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    got = load_image(buf.getvalue())
    assert isinstance(got, LoadedImage) and got.animated and got.format == "GIF"
    h = hash_bytes(buf.getvalue())
    assert hamming(bytes.fromhex(h.pdq or ""), _pdq(frames[0].convert("P").convert("RGB"), "PNG")) <= 31


def test_a_crashing_decoder_costs_only_its_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import multiprocessing
    import os

    import tipwatch.media.hashing as hashing

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("needs fork so that workers see the patched function")
    real = hashing.hash_file

    def crashy(path: str, **kwargs: object) -> object:
        if path.endswith("crash.jpg"):
            os._exit(139)  # what a segfault in a native decoder looks like to the pool
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hashing, "hash_file", crashy)
    paths = []
    for i in range(40):
        p = tmp_path / ("crash.jpg" if i == 25 else f"{i}.jpg")
        p.write_bytes(encode(photo(i % 3, (64, 48))))
        paths.append(p)
    out = list(hashing.hash_files(paths, workers=2, chunksize=4))
    assert [n for n, _ in out] == [str(p) for p in paths]  # every file answered, in order
    errors = {n for n, h in out if h.error}
    assert errors == {str(tmp_path / "crash.jpg")}
    assert dict(out)[str(tmp_path / "crash.jpg")].error == "the image decoder crashed on this file"
