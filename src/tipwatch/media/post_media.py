"""The per-post media stage: resolve a post's image references, hash them, match them against the banks.

A pure function of one Post (plus read-only knowledge: the match index), so it runs in the analyze process pool like
the text stages. It reads files but writes nothing; the store's ``MediaStore.write_post_media`` stores the result
(records: ``tipwatch.media_model``).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from tipwatch.media.fetch import FetchOptions, fetch_image
from tipwatch.media.hashing import ImageHashes, hash_bytes, read_limited
from tipwatch.media.images import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS
from tipwatch.media.index import MatchIndex
from tipwatch.media.pdq import DIHEDRAL_NAMES
from tipwatch.media.signal_types import generation
from tipwatch.media.video import DEFAULT_MAX_FRAMES, FrameMatch, hash_video, is_video, match_video
from tipwatch.media.warc_images import is_warc, warc_images
from tipwatch.media_model import BankMatch, MediaMatch, MediaRecord, PostMedia
from tipwatch.model import Post

MIRROR = DIHEDRAL_NAMES.index("flipy")  # PDQ's name for the left-right mirror


@dataclass(slots=True, frozen=True)
class MediaOptions:
    max_images: int = 20  # per post; an ad with hundreds of images is a gallery page, not one ad
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    fetch: bool = False  # download http(s) images that are not in a WARC; off unless the user asks
    fetch_options: FetchOptions = field(default_factory=FetchOptions)
    # Refuse paths that resolve outside the input's folder: a hostile post must not make us read /etc or ~/.ssh.
    allow_outside_base: bool = False
    max_video_bytes: int = 500 * 1024 * 1024
    max_video_frames: int = DEFAULT_MAX_FRAMES


def analyze_post_media(
    post: Post,
    base_dir: str | Path | None,
    *,
    index: MatchIndex | None = None,
    options: MediaOptions | None = None,
) -> PostMedia:
    """Hash and match every image of ``post``. Never raises on a bad image: each one gets a status and a reason.

    Relative image paths are resolved against ``base_dir``: the folder of the input file the post came from (None:
    the folder of ``post.source``).
    """
    opts = options or MediaOptions()
    if base_dir is None:
        base_dir = Path(post.source).parent
    out = PostMedia(post.id)
    refs = list(dict.fromkeys(r.strip() for r in post.images if isinstance(r, str) and r.strip()))
    for n, ref in enumerate(refs):
        if n >= opts.max_images:
            out.items.append(MediaRecord(ref, "skipped", f"more than {opts.max_images} images in one post"))
            continue
        if is_video(ref):
            out_item, video_hits = _video(ref, post, base_dir, index, opts)
            out.items.append(out_item)
            out.matches.extend(MediaMatch(ref, out_item.sha256, m.match, m.second) for m in video_hits)
            continue
        data = read_image(ref, post, base_dir, opts)
        if isinstance(data, tuple):
            status, reason = data
            out.items.append(MediaRecord(ref, status, reason))
            continue
        out_item, hits = _hash_and_match(ref, data, index, opts)
        out.items.append(out_item)
        out.matches.extend(MediaMatch(ref, out_item.sha256, h) for h in hits)
    return out


# Operators repost the same file across many ads: remember the last few thousand files' hashes per process, keyed
# by SHA-256, so a repeated file costs a SHA-256 instead of a decode. Results are identical either way (the key
# holds the signal registry's generation: a type registered since then must be computed too).
_SEEN: OrderedDict[tuple[str, int, int, int], ImageHashes] = OrderedDict()
_SEEN_MAX = 4096


def _hashes(data: bytes, opts: MediaOptions) -> ImageHashes:
    key = (hashlib.sha256(data).hexdigest(), opts.max_pixels, opts.max_bytes, generation())
    known = _SEEN.get(key)
    if known is not None:
        _SEEN.move_to_end(key)
        return known
    # Dihedral hashes cost no more than the plain one (one DCT), and the mirror feeds reuse links.
    h = hash_bytes(data, dihedral=True, max_pixels=opts.max_pixels, max_bytes=opts.max_bytes)
    _SEEN[key] = h
    if len(_SEEN) > _SEEN_MAX:
        _SEEN.popitem(last=False)
    return h


def hash_and_match(
    ref: str, data: bytes, index: MatchIndex | None, options: MediaOptions | None = None
) -> tuple[MediaRecord, list[BankMatch]]:
    """One image's bytes hashed (SHA-256, MD5, dihedral PDQ, other signal types) and matched against ``index``:
    what ``analyze_post_media`` does for each image of a post (the scan service calls it for an upload)."""
    return _hash_and_match(ref, data, index, options or MediaOptions())


def _hash_and_match(
    ref: str, data: bytes, index: MatchIndex | None, opts: MediaOptions
) -> tuple[MediaRecord, list[BankMatch]]:
    h = _hashes(data, opts)
    item = MediaRecord(
        ref,
        "ok" if h.ok else "rejected",
        h.error or h.note,
        sha256=h.sha256,
        md5=h.md5,
        pdq=h.pdq,
        pdq_mirror=h.dihedral[MIRROR] if h.dihedral else None,
        quality=h.quality,
        width=h.width,
        height=h.height,
        format=h.format,
        size=h.size,
        signals=dict(h.signals),
    )
    hits: list[BankMatch] = []
    if index is not None:
        # Exact hashes match even when the bytes do not decode: hash lists are lists of files.
        hits = index.match(sha256=h.sha256, md5=h.md5, dihedral=h.dihedral, quality=h.quality, signals=h.signals)
        item.restricted = any(m.is_abuse_material for m in hits)
    return item, hits


def _video(
    ref: str, post: Post, base_dir: str | Path | None, index: MatchIndex | None, opts: MediaOptions
) -> tuple[MediaRecord, list[FrameMatch]]:
    """Hash a video's frames at 1 fps (ffmpeg needs a file: remote or archived bytes go through a temporary one)."""
    parsed = urlparse(ref)
    if parsed.scheme.lower() in ("", "file") or (len(parsed.scheme) == 1):
        path = _local_path(unquote(parsed.path) if parsed.scheme.lower() == "file" else ref, base_dir, opts)
        if isinstance(path, tuple):
            return MediaRecord(ref, *path), []
        return _video_file(ref, path, index, opts)
    data = read_image(ref, post, base_dir, opts)
    if isinstance(data, tuple):
        return MediaRecord(ref, *data), []
    with tempfile.TemporaryDirectory(prefix="tipwatch-video-") as tmp:
        target = Path(tmp) / ("video" + Path(parsed.path).suffix.lower())
        target.write_bytes(data)
        return _video_file(ref, target, index, opts)


def _video_file(
    ref: str, path: Path, index: MatchIndex | None, opts: MediaOptions
) -> tuple[MediaRecord, list[FrameMatch]]:
    sha, md5, size = file_digests(path, opts.max_video_bytes)
    if sha is None:
        return MediaRecord(ref, "rejected", f"video too large or unreadable: over {opts.max_video_bytes} bytes"), []
    vh = hash_video(path, max_frames=opts.max_video_frames)
    if vh.error and not vh.frames:
        return MediaRecord(ref, "rejected", vh.error, sha256=sha, md5=md5, size=size, format="video"), []
    item = MediaRecord(
        ref, "ok", vh.error or f"{len(vh.frames)} frame(s) at 1 fps", sha256=sha, md5=md5, size=size, format="video"
    )
    hits: list[FrameMatch] = []
    if index is not None:
        exact = index.match(sha256=sha, md5=md5, dihedral=None, quality=None)
        hits = [FrameMatch(0.0, m) for m in exact] + match_video(vh, index)
        item.restricted = any(m.match.is_abuse_material for m in hits)
    return item, hits


def file_digests(path: Path, max_bytes: int = 500 * 1024 * 1024) -> tuple[str | None, str | None, int]:
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    return None, None, size
                sha.update(chunk)
                md5.update(chunk)
    except OSError:
        return None, None, size
    return sha.hexdigest(), md5.hexdigest(), size


def read_image(ref: str, post: Post, base_dir: str | Path | None, opts: MediaOptions) -> bytes | tuple[str, str]:
    """The bytes of one of ``post``'s image references, or (status, reason): a relative path under ``base_dir``
    (never outside it), an image inside the WARC the post came from, or an URL when fetching is on."""
    parsed = urlparse(ref)
    scheme = parsed.scheme.lower()
    if scheme in ("http", "https"):
        warc = _warc_path(post, base_dir)
        if warc is not None:
            got = warc_images(warc).read(ref, opts.max_bytes)
            if isinstance(got, bytes):
                return got
            if not opts.fetch:
                return ("skipped", got)
        if not opts.fetch:
            return ("skipped", "remote image not fetched (downloads are off; enable fetching to hash it)")
        fetched = fetch_image(ref, opts.fetch_options)
        return ("rejected", fetched) if isinstance(fetched, str) else fetched.data
    if scheme == "data":
        return ("skipped", "inline data: URI images are not read")
    if scheme == "file":
        ref_path = unquote(parsed.path)
    elif scheme and len(scheme) > 1:  # "c:" is a Windows drive, not a scheme
        return ("skipped", f"unsupported image reference scheme {scheme!r}")
    else:
        ref_path = ref
    return _read_local(ref_path, base_dir, opts)


def _warc_path(post: Post, base_dir: str | Path | None) -> Path | None:
    if not is_warc(post.source):
        return None
    for candidate in (Path(post.source), Path(base_dir or ".") / Path(post.source).name):
        if candidate.is_file():
            return candidate
    return None


def _local_path(ref_path: str, base_dir: str | Path | None, opts: MediaOptions) -> Path | tuple[str, str]:
    base = Path(base_dir or ".").resolve()
    try:
        target = (base / ref_path).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # symlink loops, NUL bytes
        return ("rejected", f"bad image path: {exc}")
    if not opts.allow_outside_base and not target.is_relative_to(base):
        return ("rejected", f"image path leaves the input folder: {ref_path[:200]}")
    if not target.is_file():
        return (
            "rejected",
            f"not a regular file: {ref_path[:200]}" if target.exists() else f"no such file: {ref_path[:200]}",
        )
    return target


def local_image_file(ref: str, roots: list[Path], max_bytes: int = DEFAULT_MAX_BYTES) -> bytes | tuple[str, str]:
    """The bytes of a stored image reference read only from a regular file inside one of ``roots`` (the web
    workspace's image view), or (status, reason). URLs and data: URIs are refused (nothing is fetched); paths and
    symlinks that resolve outside every root are refused by the same rule as ``read_image``'s; files over
    ``max_bytes`` are refused."""
    parsed = urlparse(ref)
    scheme = parsed.scheme.lower()
    if scheme == "file":
        ref_path = unquote(parsed.path)
    elif scheme and len(scheme) > 1:
        return ("refused", f"not a local file ({scheme} reference): images are never fetched to be shown")
    else:
        ref_path = ref
    if not roots:
        return ("refused", "no image folders are configured (tipwatch serve --images DIR)")
    opts = MediaOptions(max_bytes=max_bytes)
    reasons = []
    for root in roots:
        got = _read_local(ref_path, root, opts)
        if isinstance(got, bytes):
            return got
        reasons.append(got[1])
    return ("refused", reasons[0] if len(reasons) == 1 else "; ".join(dict.fromkeys(reasons))[:500])


def _read_local(ref_path: str, base_dir: str | Path | None, opts: MediaOptions) -> bytes | tuple[str, str]:
    target = _local_path(ref_path, base_dir, opts)
    if isinstance(target, tuple):
        return target
    data = read_limited(target, opts.max_bytes)
    if isinstance(data, str):
        return ("rejected", data)
    return data
