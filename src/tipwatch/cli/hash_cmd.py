"""`tipwatch hash FILE...`: one JSON line per file, {"file", "sha256", "md5", "pdq", "quality"}, plus "signals"
({name: hex}) when signal types beyond those three are registered (tipwatch.media.signal_types).

Machine-friendly: stdout carries only the JSON lines; a file that cannot be hashed gets a line with "error" (and
whatever hashes could still be computed), and the command exits 1 at the end.
"""

from __future__ import annotations

import typer

from tipwatch.cli.common import console, stdout_write


def hash_files(
    files: list[str] = typer.Argument(..., help="Image files to hash (http(s) URLs too, with --download)."),
    dihedral: bool = typer.Option(False, "--dihedral", help="Add the 8 dihedral PDQ hashes (rotations, flips)."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Processes (default: all cores)."),
    download: bool = typer.Option(
        False, "--download", help="Fetch http(s) URLs (size, time and content-type limits). Off: nothing leaves."
    ),
    allow_private_addresses: bool = typer.Option(
        False, "--allow-private-addresses", help="Let --download reach loopback, private and link-local addresses."
    ),
) -> None:
    """Print SHA-256, MD5 and PDQ (with quality, 0-100; under 50 is too flat to match) of each file as JSON lines."""
    import orjson

    from tipwatch.cli.progress import progress_bar
    from tipwatch.services.matching import hash_inputs

    failed = 0
    results = hash_inputs(
        files, dihedral=dihedral, workers=workers, download=download, allow_private=allow_private_addresses
    )
    show = len(files) >= 50
    with progress_bar() if show else _Null() as bar:
        task = bar.add_task("hashing", total=len(files)) if show else None
        for name, hashes in results:
            if hashes.error is not None:
                failed += 1
            stdout_write(orjson.dumps(hashes.as_json(name)).decode())
            if task is not None:
                bar.advance(task)
    if failed:
        message = f"error: {failed} of {len(files)} file(s) could not be hashed (see their 'error')"
        console.print(message, style="bold red")
        raise typer.Exit(1)


class _Null:
    """A stand-in for the progress bar when there is too little work to show one."""

    def __enter__(self) -> _Null:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, *args: object, **kwargs: object) -> None:
        return None

    def advance(self, *args: object) -> None:
        return None
