"""Decode hostile image bytes into an upright RGB picture, or say exactly why not.

Every input is treated as hostile: a size cap on the bytes, a pixel cap checked from the header before decoding
(decompression bombs), an allow-list of formats (Pillow's EPS plugin would start Ghostscript), and every decoder
error turned into a short reason. Nothing here raises on bad input.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

# 64 megapixels: larger than any phone photo posted to ad sites, small enough that two workers decoding at once stay
# well under a gigabyte (64 MP x 3 bytes = 192 MB each).
DEFAULT_MAX_PIXELS = 64_000_000
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Raster formats seen on the web; anything else is refused rather than handed to a rarely used decoder.
SAFE_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "ICO", "PPM")  # JPEG covers MPO
_ORIENTATION_TAG = 0x0112


@dataclass(slots=True)
class LoadedImage:
    """A decoded picture: ``image`` is an upright Pillow image in mode RGB (first frame of an animation)."""

    image: Image.Image
    format: str
    mode: str  # the file's own mode, before conversion
    animated: bool = False
    note: str = ""

    @property
    def width(self) -> int:
        return int(self.image.width)

    @property
    def height(self) -> int:
        return int(self.image.height)

    def rgb(self) -> np.ndarray:
        """The full picture as an RGB uint8 array (H, W, 3)."""
        return np.asarray(self.image, dtype=np.uint8)


@dataclass(slots=True)
class ImageRejected:
    """Why an input could not be used; ``reason`` is short, names the problem, and is safe to store."""

    reason: str


def load_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_bytes: int = DEFAULT_MAX_BYTES
) -> LoadedImage | ImageRejected:
    """Decode ``data`` (the whole file) into an upright RGB image; never raises on bad input."""
    if not data:
        return ImageRejected("empty file")
    if len(data) > max_bytes:
        return ImageRejected(f"file too large: {len(data)} bytes > {max_bytes}")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; any bomb warning is a rejection here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return _decode(data, max_pixels)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return ImageRejected(f"decompression bomb: {exc}")
    except UnidentifiedImageError:
        return ImageRejected("not an image (format not recognised or not allowed)")
    except MemoryError:
        return ImageRejected("image needs too much memory to decode")
    except (OSError, SyntaxError, ValueError, TypeError, EOFError, IndexError, KeyError, struct.error) as exc:
        return ImageRejected(_describe(exc))


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return f"truncated image: {text}"[:300]
    return f"corrupt image: {text}"[:300]


def _decode(data: bytes, max_pixels: int) -> LoadedImage | ImageRejected:
    # LOAD_TRUNCATED_IMAGES is a Pillow global; a truncated file must fail here, so check nobody switched it on.
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        return ImageRejected("refusing to decode: PIL.ImageFile.LOAD_TRUNCATED_IMAGES is set in this process")
    with Image.open(io.BytesIO(data), formats=SAFE_FORMATS) as img:
        width, height = img.size
        if width <= 0 or height <= 0:
            return ImageRejected(f"image has no pixels ({width}x{height})")
        if width * height > max_pixels:
            return ImageRejected(f"decompression bomb: {width}x{height} = {width * height} pixels > {max_pixels}")
        fmt = img.format or "unknown"
        # is_animated looks for a second frame only; n_frames would walk a hostile GIF's thousands of frames.
        animated = bool(getattr(img, "is_animated", False))
        mode = img.mode
        img.load()  # first frame only: animated GIF/WebP are hashed by their first frame
        upright, note = _upright(img)
        rgb = to_rgb(upright)
    return LoadedImage(image=rgb, format=fmt, mode=mode, animated=animated, note=note)


def _upright(img: Image.Image) -> tuple[Image.Image, str]:
    try:
        orientation = img.getexif().get(_ORIENTATION_TAG, 1)
    except Exception as exc:  # a broken EXIF block must not cost us the image
        return img, f"EXIF unreadable, orientation ignored: {type(exc).__name__}"
    # Only transpose when needed: exif_transpose copies the whole picture even for orientation 1.
    if orientation not in (2, 3, 4, 5, 6, 7, 8):
        return img, ""
    try:
        return ImageOps.exif_transpose(img), f"EXIF orientation {orientation} applied"
    except Exception as exc:
        return img, f"EXIF orientation {orientation} ignored: {type(exc).__name__}"


def to_rgb(img: Image.Image) -> Image.Image:
    """An RGB image from any Pillow mode.

    High-bit-depth modes are scaled to 8 bits (Pillow's own conversion clips I;16 at 255, which turns most 16-bit
    photos white). Alpha is dropped, not composited, as the reference PDQ tool and ThreatExchange's hasher do, so our
    hashes agree with theirs for the same file.
    """
    mode = img.mode
    if mode == "RGB":
        return img
    if mode.startswith("I;16") or mode in ("I", "F"):
        arr = np.asarray(img)
        if mode == "F":
            arr = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        top = float(arr.max()) if arr.size else 0.0
        # 16-bit data (I;16 and the "I" that 16-bit PNGs may load as): map the 16-bit range onto 8 bits.
        scaled = np.clip(arr.astype(np.float64) / 257.0, 0, 255) if top > 255.0 else np.clip(arr, 0, 255)
        return Image.fromarray(np.ascontiguousarray(scaled.astype(np.uint8)), mode="L").convert("RGB")
    return img.convert("RGB")


# Formats a browser may be handed (the web workspace's image view): a strict subset of SAFE_FORMATS.
SERVED_FORMATS: dict[str, str] = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def served_content_type(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> str | None:
    """The Content-Type of ``data`` when it is a JPEG, PNG, GIF or WebP image whose header Pillow reads (pixel
    count within ``max_pixels``, checked from the header without decoding), else None. The type comes from the
    bytes, never from a file name."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data), formats=tuple(SERVED_FORMATS)) as img:
                fmt = img.format or ""
                width, height = img.size
    except Exception:  # any decoder error means "not an image we serve"
        return None
    if fmt not in SERVED_FORMATS or width <= 0 or height <= 0 or width * height > max_pixels:
        return None
    return SERVED_FORMATS[fmt]
