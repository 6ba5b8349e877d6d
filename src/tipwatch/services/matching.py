"""Hashing and matching images: the match index over the enabled banks (what ``tipwatch match`` and the analyze
media stage search), matching files against it, and hashing files and URLs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tipwatch.media.index import BankRef, MatchIndex
from tipwatch.media.pdq import MIN_QUALITY
from tipwatch.media_model import BankMatch
from tipwatch.store.facade import Store

if TYPE_CHECKING:  # hashing loads Pillow and pdqhash: kept out of import time
    from tipwatch.media.hashing import ImageHashes


def load_index(store: Store, *, include_disabled: bool = False) -> MatchIndex:
    """Build the index from every enabled bank in the store (streamed; 10M entries take about 1 GB)."""
    banks = sorted(store.banks.list_banks(enabled_only=not include_disabled, count_entries=False), key=lambda b: b.id)
    if not banks:
        return MatchIndex.from_entries([], [])
    refs = [BankRef(b.id, b.name, b.is_abuse_material, b.pdq_threshold) for b in banks]
    position = {b.id: i for i, b in enumerate(banks)}

    def stream() -> Iterable[tuple[int, int, str, str]]:
        for bank_id, entry_id, stype, value in store.banks.iter_signals(list(position)):
            yield position[bank_id], entry_id, stype, value

    return MatchIndex.from_entries(refs, stream())


@dataclass(slots=True)
class FileMatches:
    """What one file gave: its bank matches (leads for review, not verdicts), or why it could not be (fully) used."""

    file: str
    video: bool
    sha256: str | None = None
    matches: list[BankMatch] = field(default_factory=list)
    # For a video, the sampled second of each match (0.0 for a match of the whole file by exact hash).
    frame_seconds: list[float] = field(default_factory=list)
    error: str | None = None
    # The PDQ quality when it was too low to match by PDQ and nothing matched otherwise.
    low_quality: int | None = None


def match_files(index: MatchIndex, files: Sequence[Path], *, workers: int | None = None) -> Iterator[FileMatches]:
    """Match files against the index: videos first (sampled at 1 frame per second with ffmpeg, plus the whole file
    by exact hash), then images hashed in ``workers`` processes, each in input order."""
    from tipwatch.media.hashing import hash_files
    from tipwatch.media.post_media import file_digests
    from tipwatch.media.video import FrameMatch, hash_video, is_video, match_video

    for video in (f for f in files if is_video(str(f))):
        vh = hash_video(video)
        sha, md5, _ = file_digests(video)  # None over 500 MB: then only the frames are matched
        frame_hits = [FrameMatch(0.0, m) for m in index.match(sha256=sha, md5=md5, dihedral=None, quality=None)]
        hits = frame_hits + match_video(vh, index)
        yield FileMatches(
            str(video), True, sha, [fm.match for fm in hits], [fm.second for fm in hits], error=vh.error or None
        )
    images = [f for f in files if not is_video(str(f))]
    for name, h in hash_files(images, dihedral=True, workers=workers):
        if h.error is not None and h.sha256 is None:
            yield FileMatches(name, False, error=h.error)
            continue
        # Exact hashes match even when PDQ could not be computed.
        found = index.match(sha256=h.sha256, md5=h.md5, dihedral=h.dihedral, quality=h.quality, signals=h.signals)
        low = h.quality if h.error is None and h.quality is not None and h.quality < MIN_QUALITY and not found else None
        yield FileMatches(name, False, h.sha256, found, error=h.error, low_quality=low)


def is_url(name: str) -> bool:
    return name.lower().startswith(("http://", "https://"))


def hash_inputs(
    names: Sequence[str],
    *,
    dihedral: bool = False,
    workers: int | None = None,
    download: bool = False,
    allow_private: bool = False,
) -> Iterator[tuple[str, ImageHashes]]:
    """(name, hashes) of files, in input order. Files are hashed in ``workers`` processes; with any http(s) URL in
    the list, one at a time instead: URLs fetched only when ``download`` is on (size, time and content-type limits),
    otherwise reported as not fetched; private and loopback addresses only with ``allow_private``."""
    from tipwatch.media.hashing import hash_files

    if not any(is_url(n) for n in names):
        yield from hash_files(names, dihedral=dihedral, workers=workers)
        return
    from tipwatch.media.fetch import FetchOptions, fetch_image
    from tipwatch.media.hashing import ImageHashes, hash_bytes, hash_file

    for name in names:
        if not is_url(name):
            yield name, hash_file(name, dihedral=dihedral)
        elif not download:
            yield name, ImageHashes(error="URL not fetched: pass --download to fetch and hash it")
        else:
            got = fetch_image(name, FetchOptions(allow_private=allow_private))
            yield name, ImageHashes(error=got) if isinstance(got, str) else hash_bytes(got.data, dihedral=dihedral)
