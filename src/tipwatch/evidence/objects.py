"""The evidentiary copy: artifacts stored by their SHA-256 under ``<data_dir>/evidence/objects/ab/cdef…``, written
once (a temporary file, fsync, hard link to the final name: never replaced) and made read-only (mode 0444).
Nothing here changes or removes a stored object; exports and working copies are copies of these files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tipwatch.evidence.write_once import create_once

OBJECTS = Path("evidence") / "objects"


class ObjectStore:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / OBJECTS

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256[:80]!r}")
        return self.root / sha256[:2] / sha256[2:]

    def put(self, data: bytes) -> str:
        """Store ``data`` (once: an object already there is kept as it is); returns its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        final = self.path(digest)
        if final.exists():
            return digest
        create_once(final, data, 0o444)  # stored meanwhile by another capture: the same bytes under the same name
        return digest

    def get(self, sha256: str) -> bytes:
        """The object's bytes, checked against its name (a changed file is an error, never evidence)."""
        data = self.path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError(f"evidence object {sha256} was changed on disk: its content no longer matches its hash")
        return data
