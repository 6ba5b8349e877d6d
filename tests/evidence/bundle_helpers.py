"""A small bundle signed with a throw-away key (no capture needed), for the verify tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tipwatch.evidence import bundle, keys
from tipwatch.evidence.bundle import BundleFile


def signed_bundle(out: Path, *, items: bytes = b"[]", timestamp: Callable[[bytes], bytes] | None = None) -> Path:
    """A bundle of no evidence item (``items`` as evidence/items.json), signed; optionally timestamped."""
    key = Ed25519PrivateKey.generate()
    files = [
        BundleFile(bundle.CUSTODY, b""),
        BundleFile(bundle.ITEMS, items),
        BundleFile(bundle.PUBLIC_KEY, keys.public_pem(key.public_key()).encode()),
    ]
    bundle.write_bundle(
        out,
        files,
        title="t",
        created=datetime.now(UTC),
        software="test",
        extra={},
        sign=key.sign,
        public_key=key.public_key(),
        timestamp=timestamp,
    )
    return out
