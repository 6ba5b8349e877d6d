"""`tipwatch match FILE...`: match images against every enabled hash bank; JSON lines of matches."""

from __future__ import annotations

from pathlib import Path

import typer

from tipwatch.cli.common import console, stdout_write


def match_files(
    files: list[Path] = typer.Argument(..., help="Image files to match."),
    db: str | None = typer.Option(None, "--db", help="Database URL (default: ./tipwatch-data/tipwatch.db)."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Hashing processes (default: all cores)."),
) -> None:
    """Print one JSON line per match: file, sha256, bank, entry_id, signal_type, distance, dihedral variant.

    Videos (.mp4, .webm, .mov, ...) are sampled at 1 frame per second with ffmpeg; their matches carry
    "frame_second".

    Matches are leads for a person to review, not verdicts. A file with no match prints nothing; a file that cannot
    be read prints a line with "error" and the command exits 1 at the end. Matches with a bank marked as abuse
    material carry "restricted": true; the image must not be opened or shown, only reported.
    """
    import orjson

    from tipwatch.media.hashing import hash_files
    from tipwatch.media.index import load_index
    from tipwatch.media.post_media import file_digests
    from tipwatch.media.video import FrameMatch, hash_video, is_video, match_video
    from tipwatch.store.db import open_engine

    index = load_index(open_engine(db))
    if len(index) == 0:
        console.print("no enabled hash bank has entries: nothing can match (see `tipwatch banks`)", style="yellow")
    failed = matched = 0
    videos = [f for f in files if is_video(str(f))]
    for video in videos:
        vh = hash_video(video)
        sha, md5, _ = file_digests(video, 500 * 1024 * 1024)
        frame_hits = [FrameMatch(0.0, m) for m in index.match(sha256=sha, md5=md5, dihedral=None, quality=None)]
        for fm in frame_hits + match_video(vh, index):
            matched += 1
            line = {"file": str(video), "sha256": sha, **fm.match.as_json(), "frame_second": fm.second}
            stdout_write(orjson.dumps({**line, "restricted": fm.match.is_abuse_material}).decode())
        if vh.error:
            failed += 1
            stdout_write(orjson.dumps({"file": str(video), "sha256": sha, "error": vh.error}).decode())
    images = [f for f in files if not is_video(str(f))]
    for name, h in hash_files(images, dihedral=True, workers=workers):
        if h.error is not None and h.sha256 is None:
            failed += 1
            stdout_write(orjson.dumps({"file": name, "error": h.error}).decode())
            continue
        hits = index.match(sha256=h.sha256, md5=h.md5, dihedral=h.dihedral, quality=h.quality)
        for hit in hits:
            matched += 1
            line = {"file": name, "sha256": h.sha256, **hit.as_json(), "restricted": hit.is_abuse_material}
            stdout_write(orjson.dumps(line).decode())
        if h.error is not None:  # exact hashes were still matched; say why PDQ could not be
            failed += 1
            stdout_write(orjson.dumps({"file": name, "sha256": h.sha256, "error": h.error}).decode())
        elif h.quality is not None and h.quality < 50 and not hits:
            console.print(f"{name}: PDQ quality {h.quality} < 50, matched by exact hashes only")
    console.print(f"{matched} match(es) in {len(files)} file(s); {len(index)} bank entries searched")
    if failed:
        raise typer.Exit(1)
