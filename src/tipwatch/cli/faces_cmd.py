"""`tipwatch faces ...`: enrol missing persons, search photos for their faces, read and verify the search log.

Needs the faces extra (pip install 'tipwatch[faces]'). Results are ranked candidates with distances for a person to
review, never an identification; every search is logged with who, why and what it returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tipwatch.cli.common import DB_OPTION, console, fail, open_store, refused, stdout_write

if TYPE_CHECKING:
    from tipwatch.services.faces import PhotoSearch

app = typer.Typer(
    help="Face search for missing persons: ranked candidates, every search logged (needs the faces extra).",
    no_args_is_help=True,
)


def _checked(results: Iterator[tuple[Any, PhotoSearch]]) -> Iterator[tuple[Any, PhotoSearch]]:
    """The results, ending the command with the reason when the faces extra is missing or the search lacks a
    required field (who, why, legal basis)."""
    from tipwatch.media.faces.model import FacesUnavailable
    from tipwatch.services.faces import FaceRegistryError

    try:
        yield from results
    except (FacesUnavailable, FaceRegistryError) as exc:
        fail(str(exc))


def _print(search: PhotoSearch, where: dict[str, Any]) -> bool:
    """One JSON line per face found (``where`` says what was searched); False when the photo could not be used."""
    import orjson

    if search.outcome is None:
        stdout_write(orjson.dumps({**where, "error": search.error}).decode())
        return False
    outcome = search.outcome
    for i, face in enumerate(outcome.faces):
        stdout_write(orjson.dumps({**where, "face": i, **face, "log_id": outcome.log_id}).decode())
    if not outcome.faces:
        console.print(f"{search.query_ref}: no face found (logged as entry {outcome.log_id})")
    return True


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
    db: str | None = DB_OPTION,
) -> None:
    """Enrol a person: one face embedding per photo (photos with no face or several faces are refused)."""
    from tipwatch.media.faces.model import FacesUnavailable
    from tipwatch.services.faces import FaceRegistryError, enrol_files

    try:
        until = date.fromisoformat(retain_until)
    except ValueError:
        fail(f"--retain-until must be a date YYYY-MM-DD, got {retain_until!r}")
        return
    try:
        with open_store(db) as store:
            result, unreadable = enrol_files(
                store,
                photos,
                case_ref=case_ref,
                label=label,
                enrolled_by=by,
                legal_basis=legal_basis,
                consent=consent,
                retention_until=until,
                notes=notes,
                on_unreadable=lambda path, reason: console.print(f"{path}: {reason}"),
            )
    except (FacesUnavailable, FaceRegistryError) as exc:
        fail(str(exc))
        return
    for ref, reason in result.refused:
        console.print(f"{ref}: refused: {reason}")
    console.print(f"person {result.person_id} enrolled for case {case_ref} with {len(result.enrolled)} face(s)")
    if result.refused or unreadable:
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
    db: str | None = DB_OPTION,
) -> None:
    """Ranked candidates (with distances) for each face in each photo, one JSON line per face. Not an
    identification: a person must compare the photos. Every search and its results are logged."""
    from tipwatch.services.faces import SearchAsk, load_registry, search_photos

    ask = SearchAsk(by, purpose, legal_basis, case_ref, top, max_distance)
    failed = 0
    with open_store(db) as store:
        registry = load_registry(store)  # once for all photos; expired persons are already left out
        for photo, result in _checked(search_photos(store, photos, ask, registry)):
            if not _print(result, {"file": str(photo)}):
                failed += 1
    console.print(
        f"{len(photos)} photo(s) searched against {len(registry)} enrolled face(s). "
        "Candidates are leads for human comparison only."
    )
    if failed:
        raise typer.Exit(1)


@app.command("search-posts")
def search_posts(
    by: str = typer.Option(..., "--by", help="Who searches (logged)."),
    purpose: str = typer.Option(..., "--purpose", help="Why (logged), e.g. 'missing person case 12'."),
    legal_basis: str = typer.Option(..., "--legal-basis", help="Legal basis for this search (logged)."),
    case_ref: str = typer.Option("", "--case", help="Case this search belongs to (logged)."),
    images: Path | None = typer.Option(
        None, "--images", help="Folder where the posts' image paths resolve, as given to analyze (default: input's)."
    ),
    min_risk: float = typer.Option(0.0, "--min-risk", min=0.0, max=1.0, help="Only posts at or above this risk."),
    post_ids: list[str] = typer.Option([], "--post", help="Only this post (repeatable)."),
    top: int = typer.Option(10, "--top", min=1, max=100, help="Candidates per face."),
    max_distance: float = typer.Option(0.6, "--max-distance", help="Leave out candidates farther than this."),
    db: str | None = DB_OPTION,
) -> None:
    """Search the images of analyzed posts for enrolled faces: one JSON line per face with the post id and ranked
    candidates. Not an identification: a person must compare the photos. Every photo searched is logged."""
    from tipwatch.services.faces import SearchAsk, load_registry, post_images, search_post_images

    ask = SearchAsk(by, purpose, legal_basis, case_ref, top, max_distance)
    failed = 0
    with open_store(db) as store:
        registry = load_registry(store)
        rows = post_images(store, min_risk=min_risk, post_ids=post_ids)
        for row, result in _checked(search_post_images(store, rows, ask, registry, images)):
            if not _print(result, {"post_id": row.post_id, "image": row.ref}):
                failed += 1
    console.print(
        f"{len(rows)} post image(s) searched against {len(registry)} enrolled face(s). "
        "Candidates are leads for human comparison only."
    )
    if failed:
        raise typer.Exit(1)


@app.command("log")
def log(db: str | None = DB_OPTION) -> None:
    """Print the face search log (JSON lines) and check its hash chain."""
    import orjson

    from tipwatch.services.faces import search_log, verify_log

    with open_store(db) as store:
        rows = search_log(store)
        problems = verify_log(store)
    for row in rows:
        row["searched_at"] = row["searched_at"].isoformat()
        stdout_write(orjson.dumps(row).decode())
    for p in problems:
        console.print(str(p), style="bold red")
    if problems:
        raise typer.Exit(1)


@app.command("purge")
def purge(db: str | None = DB_OPTION) -> None:
    """Delete persons whose retention date has passed (their faces go with them; the search log stays)."""
    from tipwatch.services.faces import purge_expired

    with open_store(db) as store:
        removed = purge_expired(store)
    console.print(f"{removed} expired person(s) removed")


@app.command("hold")
def hold(
    person_id: int = typer.Argument(..., help="The enrolled person's id (as `tipwatch faces enroll` printed it)."),
    why: str = typer.Option(..., "--why", help="Why (the order or request's reference; kept in the audit log)."),
    release: bool = typer.Option(False, "--release", help="Release the hold instead of setting it."),
    by: str = typer.Option(..., "--by", help="Who sets or releases the hold."),
    db: str | None = DB_OPTION,
) -> None:
    """Put a person on legal hold (retention and `faces purge` keep them whatever their dates) or release them.
    A person whose case reference names an open tipwatch case (case:12) is held anyway."""
    from tipwatch.services.faces import FaceRegistryError, set_hold

    with open_store(db) as store, refused(FaceRegistryError):
        set_hold(store, person_id, not release, actor=by, why=why)
    console.print(f"person {person_id}: {'hold released' if release else 'on legal hold'}")
