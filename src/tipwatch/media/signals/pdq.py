"""PDQ, Meta's perceptual hash of the decoded picture (``tipwatch.media.pdq``): near match by Hamming distance.

The hashing stage computes PDQ itself, with its quality and the 8 dihedral variants (``media/hashing.py``), and the
index matches those under quality 50 not at all (``MatchIndex.match_pdq``); this class is PDQ's entry in the registry:
its names, hash form, distance and threshold, and a plain hash of a picture for callers that need only that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tipwatch.media.signal_types import SignalType, register

if TYPE_CHECKING:
    from PIL import Image

# As tipwatch.media.pdq.DEFAULT_THRESHOLD, repeated so that reading the registry does not load pdqhash and numpy
# (tests/media/test_media_signals.py checks they agree).
DEFAULT_THRESHOLD = 31


@register
class PdqSignal(SignalType):
    name = "pdq"
    aliases = ("photo_pdq", "pdq_hash")
    label = "PDQ"
    order = 0
    bits = 256
    exact = False
    default_threshold = DEFAULT_THRESHOLD
    bank_threshold = True  # each bank sets its own PDQ threshold (0-64)

    def hash_image(self, image: Image.Image) -> str:
        from tipwatch.media.pdq import pdq_hash_image

        return pdq_hash_image(image).hex
