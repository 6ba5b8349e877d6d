"""Hash one image (bytes or file) into SHA-256, MD5, PDQ and every other registered signal type; hash many files
with a process pool.

SHA-256 and MD5 cover the file's bytes, so they exist even when the bytes are not a decodable image (hash lists in
the field match files, not pictures). PDQ needs a decoded picture; when decoding fails ``error`` says why. Those
three are ImageHashes' own fields (the ``tipwatch hash`` JSON contract); any other registered type
(``tipwatch.media.signal_types``) lands in ``signals``, from the bytes and/or the decoded picture as the type hashes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tipwatch.media.images import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, ImageRejected, load_image
from tipwatch.media.pdq import pdq_dihedral_image, pdq_hash_image
from tipwatch.media.signal_types import SignalType, signal_types
from tipwatch.worker_life import start_worker

# The signal types with a field of their own (computed below as always); the others go to ImageHashes.signals.
FIELD_TYPES = ("sha256", "md5", "pdq")


@dataclass(slots=True)
class ImageHashes:
    sha256: str | None = None
    md5: str | None = None
    size: int = 0
    pdq: str | None = None
    quality: int | None = None
    # The 8 dihedral PDQ hashes (hex, order pdq.DIHEDRAL_NAMES) when asked for; [0] == pdq.
    dihedral: list[str] | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    error: str | None = None
    note: str = ""
    # Every other registered signal type that hashed this file: name -> hex.
    signals: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def signal_items(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(signal type, hex, metadata) of every hash this file has, sha256, md5, pdq (with its quality) first: the
        bank entries ``banks add`` makes of it."""
        out: list[tuple[str, str, dict[str, Any]]] = []
        if self.sha256 is not None:
            out.append(("sha256", self.sha256, {}))
        if self.md5 is not None:
            out.append(("md5", self.md5, {}))
        if self.pdq is not None and self.quality is not None:
            out.append(("pdq", self.pdq, {"quality": self.quality}))
        out += [(name, value, {}) for name, value in self.signals.items()]
        return out

    def as_json(self, name: str) -> dict[str, Any]:
        """The ``tipwatch hash`` line: file, sha256, md5, pdq, quality (and error when there is one; ``signals``
        when other signal types are registered)."""
        out: dict[str, Any] = {
            "file": name,
            "sha256": self.sha256,
            "md5": self.md5,
            "pdq": self.pdq,
            "quality": self.quality,
        }
        if self.dihedral is not None:
            out["dihedral"] = self.dihedral
        if self.signals:
            out["signals"] = self.signals
        if self.error is not None:
            out["error"] = self.error
        return out


def hash_bytes(
    data: bytes,
    *,
    dihedral: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImageHashes:
    """All hashes of one file's bytes. Never raises on bad input: the reason lands in ``error``."""
    out = ImageHashes(
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        size=len(data),
    )
    extra = [t for t in signal_types() if t.name not in FIELD_TYPES]
    for st in extra:
        _add_signal(out, st, st.hash_bytes, data)
    loaded = load_image(data, max_pixels=max_pixels, max_bytes=max_bytes)
    if isinstance(loaded, ImageRejected):
        out.error = loaded.reason
        return out
    out.width, out.height, out.format, out.note = loaded.width, loaded.height, loaded.format, loaded.note
    for st in extra:
        _add_signal(out, st, st.hash_image, loaded.image)
    try:
        if dihedral:
            variants, quality = pdq_dihedral_image(loaded.image)
            out.dihedral = [v.hex() for v in variants]
            out.pdq, out.quality = out.dihedral[0], quality
        else:
            result = pdq_hash_image(loaded.image)
            out.pdq, out.quality = result.hex, result.quality
    except (ValueError, OSError, MemoryError) as exc:  # a decoded picture Pillow cannot resample: keep the file hashes
        out.error = f"PDQ failed: {type(exc).__name__}: {exc}"[:300]
    return out


def _add_signal(out: ImageHashes, st: SignalType, fn: Callable[[Any], str | None], arg: Any) -> None:
    try:
        value = fn(arg)
        if value is not None:
            out.signals[st.name] = st.normalize(value)
    except (ValueError, OSError, MemoryError) as exc:
        # One type failing does not reject the file: the others' hashes stand, and the note says what is missing.
        out.note = "; ".join(filter(None, [out.note, f"{st.name} failed: {type(exc).__name__}: {exc}"[:200]]))


def read_limited(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | str:
    """The file's bytes, or a reason why not (missing, not a regular file, too large, unreadable)."""
    try:
        if not path.is_file():
            return f"not a regular file: {path}" if path.exists() else f"no such file: {path}"
        with path.open("rb") as fh:
            # Read one byte past the cap so that an oversized file is refused without reading it all.
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    if len(data) > max_bytes:
        return f"file too large: over {max_bytes} bytes"
    return data


def hash_file(
    path: str | Path,
    *,
    dihedral: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImageHashes:
    data = read_limited(Path(path), max_bytes)
    if isinstance(data, str):
        return ImageHashes(error=data)
    return hash_bytes(data, dihedral=dihedral, max_pixels=max_pixels, max_bytes=max_bytes)


def _hash_file_dihedral(path: str) -> ImageHashes:
    return hash_file(path, dihedral=True)


def _hash_file_plain(path: str) -> ImageHashes:
    return hash_file(path)


def hash_files(
    paths: Iterable[str | Path], *, dihedral: bool = False, workers: int | None = None, chunksize: int = 8
) -> Iterator[tuple[str, ImageHashes]]:
    """(path, hashes) for each path, in input order, decoding in ``workers`` processes (default: all cores).

    Workers read the files themselves, so only paths and small results cross process boundaries.
    """
    names = [str(p) for p in paths]
    fn = _hash_file_dihedral if dihedral else _hash_file_plain
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    if n_workers <= 1 or len(names) < 2 * chunksize:
        for name in names:
            yield name, fn(name)
        return
    done = 0
    try:
        # Workers end with this process (worker_life.start_worker): a killed `tipwatch hash` leaves none behind.
        with ProcessPoolExecutor(max_workers=n_workers, initializer=start_worker, initargs=(os.getpid(),)) as pool:
            for name, result in zip(names, pool.map(fn, names, chunksize=chunksize), strict=False):
                yield name, result
                done += 1
    except BrokenProcessPool:
        # A decoder crashed a worker (a native bug hit by a hostile file). Finish one file per throw-away process,
        # so the culprit gets a reason and the others still get hashes.
        for name in names[done:]:
            yield name, _isolated(fn, name)


def _isolated(fn: Callable[[str], ImageHashes], name: str) -> ImageHashes:
    with ProcessPoolExecutor(max_workers=1, initializer=start_worker, initargs=(os.getpid(),)) as pool:
        try:
            return pool.submit(fn, name).result()
        except BrokenProcessPool:
            return ImageHashes(error="the image decoder crashed on this file")
