"""`tipwatch match FILE...`: match images against every enabled hash bank; JSON lines of matches."""

from __future__ import annotations

from pathlib import Path

import typer

from tipwatch.cli.common import DB_OPTION, console, open_store, stdout_write


def match_files(
    files: list[Path] = typer.Argument(..., help="Image files to match."),
    db: str | None = DB_OPTION,
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

    from tipwatch.services.matching import load_index
    from tipwatch.services.matching import match_files as run

    with open_store(db) as store:
        index = load_index(store)
    if len(index) == 0:
        console.print("no enabled hash bank has entries: nothing can match (see `tipwatch banks`)", style="yellow")
    failed = matched = 0
    for result in run(index, files, workers=workers):
        for i, hit in enumerate(result.matches):
            matched += 1
            line = {"file": result.file, "sha256": result.sha256, **hit.as_json()}
            if result.video:
                line["frame_second"] = result.frame_seconds[i]
            stdout_write(orjson.dumps({**line, "restricted": hit.is_abuse_material}).decode())
        if result.error is not None:
            failed += 1
            # A file that could not even be read has no SHA-256 to show; a video always says what it has.
            where: dict[str, str | None] = {"file": result.file}
            if result.video or result.sha256 is not None:
                where["sha256"] = result.sha256
            stdout_write(orjson.dumps({**where, "error": result.error}).decode())
        elif result.low_quality is not None:
            console.print(f"{result.file}: PDQ quality {result.low_quality} < 50, matched by exact hashes only")
    console.print(f"{matched} match(es) in {len(files)} file(s); {len(index)} bank entries searched")
    if failed:
        raise typer.Exit(1)
