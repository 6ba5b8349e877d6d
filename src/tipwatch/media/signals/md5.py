"""MD5 of the file's bytes: what most hotline and hash-sharing lists carry. Matched exactly."""

from __future__ import annotations

import hashlib

from tipwatch.media.signal_types import SignalType, register


@register
class Md5Signal(SignalType):
    name = "md5"
    # ThreatExchange's photo and video MD5 types, and python-threatexchange/HMA's name (video_md5), read as md5.
    aliases = ("photo_md5", "video_md5", "md5_hash")
    # HMA and python-threatexchange know MD5 of a file only as VideoMD5Signal: `te` files carry that name so an HMA
    # local-file exchange reads them (docs/exchange.md).
    export_name = "video_md5"
    label = "MD5"
    order = 1
    bits = 128
    exact = True
    plain_format = True  # md5sum output and bare MD5 lists

    def hash_bytes(self, data: bytes) -> str:
        return hashlib.md5(data, usedforsecurity=False).hexdigest()
