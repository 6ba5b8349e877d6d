"""SHA-256 of the file's bytes: the key restrictions are recorded under. Matched exactly."""

from __future__ import annotations

import hashlib

from tipwatch.media.signal_types import SignalType, register


@register
class Sha256Signal(SignalType):
    name = "sha256"
    aliases = ("sha-256", "sha_256", "photo_sha256", "video_sha256", "sha256_hash")
    # python-threatexchange's SHA-256 type (VideoSHA256Signal), so an HMA local-file exchange reads `te` files.
    export_name = "video_sha256"
    label = "SHA-256"
    order = 2
    bits = 256
    exact = True
    plain_format = True  # sha256sum output and bare SHA-256 lists

    def hash_bytes(self, data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()
