"""Small synthetic photos: procedurally drawn scenes (gradients, shapes, stripes), never faces or real people.

A base image is drawn from a seed, so the same name always gives the same pixels. Variants are what reposting does
to a photo: re-encoding, resizing, cropping, mirroring; each variant is its own file (different bytes, so SHA-256
differs) whose PDQ hash stays near its base (mirroring needs a dihedral query).
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

WIDTH, HEIGHT = 320, 240
TRANSFORMS: tuple[str, ...] = ("reencode", "resize", "crop", "flip")


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randrange(256), rng.randrange(256), rng.randrange(256))


def draw_base(seed: int) -> Image.Image:
    """A scene unique to ``seed``: a four-corner colour gradient, then stripes and a dozen shapes."""
    rng = random.Random(seed)
    corners = Image.new("RGB", (2, 2))
    corners.putdata([_colour(rng) for _ in range(4)])
    img = corners.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)  # a smooth gradient, cheaply
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(2, 5)):
        x = rng.randrange(WIDTH)
        draw.rectangle((x, 0, x + rng.randint(4, 30), HEIGHT), fill=_colour(rng))
    for _ in range(rng.randint(8, 16)):
        x0, y0 = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        x1, y1 = x0 + rng.randint(15, 120), y0 + rng.randint(15, 100)
        shape = rng.randrange(3)
        if shape == 0:
            draw.ellipse((x0, y0, x1, y1), fill=_colour(rng), outline=_colour(rng), width=rng.randint(1, 4))
        elif shape == 1:
            draw.rectangle((x0, y0, x1, y1), fill=_colour(rng))
        else:
            pts = [(rng.randrange(WIDTH), rng.randrange(HEIGHT)) for _ in range(rng.randint(3, 5))]
            draw.polygon(pts, fill=_colour(rng))
    return img


def apply_transform(img: Image.Image, transform: str, seed: int) -> tuple[Image.Image, int]:
    """The variant's pixels and the JPEG quality to save it with."""
    rng = random.Random(seed)
    if transform == "reencode":
        return img, rng.randint(35, 70)
    if transform == "resize":
        scale = rng.uniform(0.5, 0.85)
        return img.resize((int(WIDTH * scale), int(HEIGHT * scale)), Image.Resampling.BILINEAR), rng.randint(75, 92)
    if transform == "crop":
        # PDQ is sensitive to crops: trimming 1-4 px per side keeps ~94% within distance 31, the rest beyond
        # (the hard part of near-duplicate matching; docs/synth.md).
        return img.crop(
            (rng.randint(1, 4), rng.randint(1, 4), WIDTH - rng.randint(1, 4), HEIGHT - rng.randint(1, 4))
        ), rng.randint(80, 92)
    if transform == "flip":
        return ImageOps.mirror(img), rng.randint(80, 92)
    raise ValueError(f"unknown transform {transform}")


def image_bytes(base_seed: int, transform: str = "original", variant_seed: int = 0) -> bytes:
    img = draw_base(base_seed)
    quality = 90
    if transform != "original":
        img, quality = apply_transform(img, transform, variant_seed)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def seed_of(name: str) -> int:
    """Image names are 16 hex digits + ".jpg": their value seeds the drawing."""
    return int(name.split(".", 1)[0], 16)


def write_image(folder: Path, name: str, base: str, transform: str) -> None:
    data = image_bytes(seed_of(base), transform, seed_of(name))
    tmp = folder / (name + ".part")
    tmp.write_bytes(data)
    tmp.replace(folder / name)
