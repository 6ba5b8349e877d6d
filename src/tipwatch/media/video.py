"""Video (stretch): sample frames at 1 fps with ffmpeg and hash each frame's PDQ, to match through the same index.

ffmpeg (the Debian package) decodes; frames come back as a PPM stream on stdout, each self-describing, so no probe
step is needed. Limits: a maximum number of frames and a wall-clock timeout; ffmpeg is killed past either. Without
ffmpeg on the PATH a video is skipped with that reason.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tipwatch.media.index import MatchIndex
from tipwatch.media.pdq import pdq_dihedral
from tipwatch.media_model import BankMatch

VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".3gp", ".mpg", ".mpeg", ".ts"})
DEFAULT_MAX_FRAMES = 600  # 10 minutes at 1 fps


@dataclass(slots=True)
class FrameHash:
    second: float
    pdq: str
    quality: int
    dihedral: list[str]


@dataclass(slots=True)
class VideoHashes:
    frames: list[FrameHash] = field(default_factory=list)
    error: str | None = None


def is_video(name: str) -> bool:
    return Path(name.split("?", 1)[0]).suffix.lower() in VIDEO_SUFFIXES


def _read_token(stream: object, first: bytes = b"") -> bytes:
    """One whitespace-separated PPM header token (skipping # comments)."""
    out = bytearray(first)
    read = stream.read  # type: ignore[attr-defined]
    while True:
        ch = read(1)
        if not ch:
            return bytes(out)
        if ch == b"#" and not out:
            while ch not in (b"\n", b""):
                ch = read(1)
            continue
        if ch.isspace():
            if out:
                return bytes(out)
            continue
        out += ch


def _frames(stdout: object, max_frames: int) -> Iterator[np.ndarray]:
    read = stdout.read  # type: ignore[attr-defined]
    for _ in range(max_frames):
        magic = _read_token(stdout)
        if magic != b"P6":
            return
        width, height, maxval = (int(_read_token(stdout)) for _ in range(3))
        if maxval != 255 or width <= 0 or height <= 0 or width * height > 64_000_000:
            return
        size = width * height * 3
        data = read(size)
        if len(data) < size:
            return
        yield np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)


def hash_video(
    path: str | Path, *, fps: float = 1.0, max_frames: int = DEFAULT_MAX_FRAMES, timeout: float = 120.0
) -> VideoHashes:
    """PDQ (with dihedral variants) of one frame per second; never raises on a bad file."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return VideoHashes(error="ffmpeg not found: install the Debian package ffmpeg to hash videos")
    cmd = [
        ffmpeg, "-nostdin", "-v", "error", "-i", str(path),
        "-an", "-sn", "-vf", f"fps={fps}", "-frames:v", str(max_frames),
        "-f", "image2pipe", "-vcodec", "ppm", "-pix_fmt", "rgb24", "-",
    ]  # fmt: skip
    out = VideoHashes()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        return VideoHashes(error=f"cannot run ffmpeg: {exc}")
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        assert proc.stdout is not None and proc.stderr is not None
        for i, frame in enumerate(_frames(proc.stdout, max_frames)):
            variants, quality = pdq_dihedral(frame)
            hexes = [v.hex() for v in variants]
            out.frames.append(FrameHash(i / fps, hexes[0], quality, hexes))
        proc.stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        code = proc.wait()
    finally:
        timer.cancel()
    if code != 0 and not out.frames:
        out.error = f"ffmpeg could not decode the video: {err.splitlines()[-1] if err else f'exit {code}'}"[:300]
    elif code < 0:
        out.error = f"stopped after {timeout:g} s; {len(out.frames)} frame(s) hashed"
    return out


@dataclass(slots=True, frozen=True)
class FrameMatch:
    second: float
    match: BankMatch


def match_video(hashes: VideoHashes, index: MatchIndex) -> list[FrameMatch]:
    """Every frame's bank hits (quality < 50 frames are skipped by the index), closest first per entry."""
    best: dict[tuple[int, int], FrameMatch] = {}
    for frame in hashes.frames:
        for hit in index.match_pdq([bytes.fromhex(h) for h in frame.dihedral], frame.quality):
            key = (hit.bank_id, hit.entry_id)
            if key not in best or hit.distance < best[key].match.distance:
                best[key] = FrameMatch(frame.second, hit)
    return sorted(best.values(), key=lambda m: (m.match.distance, m.second))
