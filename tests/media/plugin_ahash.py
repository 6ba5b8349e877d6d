"""A new signal type in one file: a 64-bit average hash ("ahash") of the picture, matched by Hamming distance.

The picture is shrunk to 8x8 grey pixels with Pillow; each bit says whether a pixel is brighter than their mean.
Registering the class is all it takes for bank formats, bank rules, hashing, the match index and post media storage
to handle it.
"""

from __future__ import annotations

from PIL import Image

from tipwatch.media.signal_types import SignalType, register


@register
class AverageHashSignal(SignalType):
    name = "ahash"
    aliases = ("average_hash", "photo_ahash")
    label = "average hash"
    bits = 64
    exact = False
    default_threshold = 10

    def hash_image(self, image: Image.Image) -> str:
        small = image.convert("L").resize((8, 8), Image.Resampling.BOX)
        pixels = list(small.tobytes())  # one byte per grey pixel
        mean = sum(pixels) / len(pixels)
        value = sum(1 << (63 - i) for i, p in enumerate(pixels) if p > mean)
        return f"{value:016x}"
