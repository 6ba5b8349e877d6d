"""`tipwatch faces ...`: enrol missing persons, search photos for their faces, read and verify the search log.

Needs the faces extra (pip install 'tipwatch[faces]'). Results are ranked candidates with distances for a person to
review, never an identification; every search is logged with who, why and what it returned.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tipwatch.cli.common import console, fail, stdout_write

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tipwatch.media.faces.model import Face

app = typer.Typer(
    help="Face search for missing persons: ranked candidates, every search logged (needs the faces extra).",
    no_args_is_help=True,
)

_DB = typer.Option(None, "--db", help="Database URL (default: ./tipwatch-data or TIPWATCH_DATABASE_URL).")


def _engine(db: str | None) -> Engine:
    from tipwatch.store.db import open_engine

    return open_engine(db)


def _faces_of(path: Path) -> tuple[str, list[Face]] | str:
    """(sha256, faces) of an image file, or the reason it cannot be used."""
    from tipwatch.media.faces.model import FacesUnavailable, face_model
    from tipwatch.media.hashing import read_limited
    from tipwatch.media.images import ImageRejected, load_image

    data = read_limited(path)
    if isinstance(data, str):
        return data
    loaded = load_image(data)
    if isinstance(loaded, ImageRejected):
        return loaded.reason
    try:
        model = face_model()
    except FacesUnavailable as exc:
        fail(str(exc))
        raise
    import hashlib

    return hashlib.sha256(data).hexdigest(), model.faces(loaded.rgb())


@app.command("enroll")
def enroll(
    photos: list[Path] = typer.Argument(..., help="Photos of the person, one face each."),
    case_ref: str = typer.Option(..., "--case", help="Case reference (missing-person report number)."),
    label: str = typer.Option("", "--label", help="How reviewers see the person (avoid full names if you can)."),
    by: str = typer.Option(..., "--by", help="Who enrols."),
    legal_basis: str = typer.Option(..., "--legal-basis", help="The legal basis for processing these biometrics."),
    consent: str = typer.Option(
        ..., "--consent", help="Consent: by whom (e.g. 'guardian, form 12'), or 'none: <why>'."
    ),
    retain_until: str = typer.Option(..., "--retain-until", help="Retention date YYYY-MM-DD; removed after it."),
    notes: str = typer.Option("", "--notes"),
    db: str | None = _DB,
) -> None:
    """Enrol a person: one face embedding per photo (photos with no face or several faces are refused)."""
    from tipwatch.media.faces.registry import EnrolPhoto, FaceRegistryError, enrol_person

    try:
        until = date.fromisoformat(retain_until)
    except ValueError:
        fail(f"--retain-until must be a date YYYY-MM-DD, got {retain_until!r}")
        return
    items = []
    for path in photos:
        got = _faces_of(path)
        if isinstance(got, str):
            console.print(f"{path}: {got}")
            continue
        sha, faces = got
        items.append(EnrolPhoto(str(path), sha, faces))
    try:
        result = enrol_person(
            _engine(db),
            case_ref=case_ref,
            label=label,
            enrolled_by=by,
            legal_basis=legal_basis,
            consent=consent,
            retention_until=until,
            photos=items,
            notes=notes,
        )
    except FaceRegistryError as exc:
        fail(str(exc))
        return
    for ref, reason in result.refused:
        console.print(f"{ref}: refused: {reason}")
    console.print(f"person {result.person_id} enrolled for case {case_ref} with {len(result.enrolled)} face(s)")
    if result.refused or len(items) < len(photos):
        raise typer.Exit(1)


@app.command("search")
def search(
    photos: list[Path] = typer.Argument(..., help="Photos to search (e.g. ad images); each search is logged."),
    by: str = typer.Option(..., "--by", help="Who searches (logged)."),
    purpose: str = typer.Option(..., "--purpose", help="Why (logged), e.g. 'missing person case 12'."),
    legal_basis: str = typer.Option(..., "--legal-basis", help="Legal basis for this search (logged)."),
    case_ref: str = typer.Option("", "--case", help="Case this search belongs to (logged)."),
    top: int = typer.Option(10, "--top", min=1, max=100, help="Candidates per face."),
    max_distance: float = typer.Option(0.6, "--max-distance", help="Leave out candidates farther than this."),
    db: str | None = _DB,
) -> None:
    """Ranked candidates (with distances) for each face in each photo, one JSON line per face. Not an
    identification: a person must compare the photos. Every search and its results are logged."""
    import orjson

    from tipwatch.media.faces.registry import FaceRegistryError, load_registry, search_and_log

    engine = _engine(db)
    registry = load_registry(engine)  # once for all photos; expired persons are already left out
    failed = 0
    for photo in photos:
        got = _faces_of(photo)
        if isinstance(got, str):
            failed += 1
            stdout_write(orjson.dumps({"file": str(photo), "error": got}).decode())
            continue
        sha, faces = got
        try:
            outcome = search_and_log(
                engine,
                query_faces=faces,
                query_ref=str(photo),
                query_sha256=sha,
                searched_by=by,
                purpose=purpose,
                legal_basis=legal_basis,
                case_ref=case_ref,
                top=top,
                max_distance=max_distance,
                registry=registry,
            )
        except FaceRegistryError as exc:
            fail(str(exc))
            return
        for i, face in enumerate(outcome.faces):
            stdout_write(orjson.dumps({"file": str(photo), "face": i, **face, "log_id": outcome.log_id}).decode())
        if not faces:
            console.print(f"{photo}: no face found (logged as entry {outcome.log_id})")
    console.print(
        f"{len(photos)} photo(s) searched against {len(registry)} enrolled face(s). "
        "Candidates are leads for human comparison only."
    )
    if failed:
        raise typer.Exit(1)


@app.command("log")
def log(db: str | None = _DB) -> None:
    """Print the face search log (JSON lines) and check its hash chain."""
    import orjson

    from tipwatch.media.faces.registry import search_log, verify_log

    engine = _engine(db)
    for row in search_log(engine):
        row["searched_at"] = row["searched_at"].isoformat()
        stdout_write(orjson.dumps(row).decode())
    problems = verify_log(engine)
    for p in problems:
        console.print(str(p), style="bold red")
    if problems:
        raise typer.Exit(1)


@app.command("purge")
def purge(db: str | None = _DB) -> None:
    """Delete persons whose retention date has passed (their faces go with them; the search log stays)."""
    from tipwatch.media.faces.registry import purge_expired

    console.print(f"{purge_expired(_engine(db))} expired person(s) removed")
