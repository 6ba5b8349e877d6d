"""The evidentiary copy: artifacts stored by their SHA-256 under ``<data_dir>/evidence/objects/ab/cdef…``, written
once (a temporary file, fsync, hard link to the final name: never replaced) and made read-only (mode 0444).
Nothing here changes or removes a stored object; exports and working copies are copies of these files."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path

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
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):  # stored meanwhile by another capture: same bytes, same name
                os.link(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return digest

    def get(self, sha256: str) -> bytes:
        """The object's bytes, checked against its name (a changed file is an error, never evidence)."""
        data = self.path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError(f"evidence object {sha256} was changed on disk: its content no longer matches its hash")
        return data
