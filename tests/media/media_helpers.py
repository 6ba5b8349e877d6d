"""Helpers for the media tests (importable because pytest puts this folder on sys.path)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
from PIL import Image

PDQ_DIR = Path(__file__).resolve().parents[1] / "data" / "pdq"  # Meta's PDQ reference data (BSD), copied in


def expected_rows() -> list[dict[str, str]]:
    """Rows of expected.csv, or [] when the data is absent (the tests using them then skip via pdq_dir)."""
    path = PDQ_DIR / "expected.csv"
    if not path.is_file():
        return []
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def photo(seed: int = 0, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A synthetic picture with structure at several scales (smooth gradients, blobs, edges), so PDQ quality is high
    and different seeds give unrelated hashes."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    for c in range(3):
        acc = np.zeros((h, w))
        for _ in range(6):
            fx, fy = rng.uniform(0.5, 6, 2)
            px, py = rng.uniform(0, 2 * np.pi, 2)
            acc += rng.uniform(0.3, 1) * np.sin(2 * np.pi * fx * x / w + px) * np.cos(2 * np.pi * fy * y / h + py)
        for _ in range(4):
            cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.05, 0.25) * min(w, h)
            acc += rng.uniform(-1.5, 1.5) * ((x - cx) ** 2 + (y - cy) ** 2 < r * r)
        img[:, :, c] = acc
    img = (img - img.min()) / (np.ptp(img) + 1e-9) * 255
    return Image.fromarray(img.astype(np.uint8), "RGB")


def encode(img: Image.Image, fmt: str = "JPEG", **kwargs: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()
