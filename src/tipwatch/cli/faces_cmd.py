"""`tipwatch faces ...`: enrol missing persons, search photos for their faces, read and verify the search log.

Needs the faces extra (pip install 'tipwatch[faces]'). Results are ranked candidates with distances for a person to
review, never an identification; every search is logged with who, why and what it returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    from tipwatch.media.hashing import read_limited

    data = read_limited(path)
    if isinstance(data, str):
        return data
    return _faces_in(data)


def _faces_in(data: bytes) -> tuple[str, list[Face]] | str:
    """(sha256, faces) of image bytes, or the reason they cannot be used."""
    from tipwatch.media.faces.model import FacesUnavailable, face_model
    from tipwatch.media.images import ImageRejected, load_image

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
    from tipwatch.media.faces.registry import load_registry

    engine = _engine(db)
    registry = load_registry(engine)  # once for all photos; expired persons are already left out
    failed = 0
    ask = _Ask(by, purpose, legal_basis, case_ref, top, max_distance)
    for photo in photos:
        if not _search_photo(engine, registry, ask, photo, str(photo), {"file": str(photo)}):
            failed += 1
    console.print(
        f"{len(photos)} photo(s) searched against {len(registry)} enrolled face(s). "
        "Candidates are leads for human comparison only."
    )
    if failed:
        raise typer.Exit(1)


@dataclass(frozen=True)
class _Ask:
    """Who searches, why, on what basis, and how many candidates: logged with every search."""

    by: str
    purpose: str
    legal_basis: str
    case_ref: str
    top: int
    max_distance: float


def _search_photo(
    engine: Engine, registry: Any, ask: _Ask, photo: Path | bytes, query_ref: str, where: dict[str, Any]
) -> bool:
    """Search one photo (a file or its bytes), log it, print one JSON line per face (``where`` says what it is)."""
    import orjson

    from tipwatch.media.faces.registry import FaceRegistryError, search_and_log

    got = _faces_in(photo) if isinstance(photo, bytes) else _faces_of(photo)
    if isinstance(got, str):
        stdout_write(orjson.dumps({**where, "error": got}).decode())
        return False
    sha, faces = got
    try:
        outcome = search_and_log(
            engine,
            query_faces=faces,
            query_ref=query_ref,
            query_sha256=sha,
            searched_by=ask.by,
            purpose=ask.purpose,
            legal_basis=ask.legal_basis,
            case_ref=ask.case_ref,
            top=ask.top,
            max_distance=ask.max_distance,
            registry=registry,
        )
    except FaceRegistryError as exc:
        fail(str(exc))
        raise
    for i, face in enumerate(outcome.faces):
        stdout_write(orjson.dumps({**where, "face": i, **face, "log_id": outcome.log_id}).decode())
    if not faces:
        console.print(f"{query_ref}: no face found (logged as entry {outcome.log_id})")
    return True


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
    db: str | None = _DB,
) -> None:
    """Search the images of analyzed posts for enrolled faces: one JSON line per face with the post id and ranked
    candidates. Not an identification: a person must compare the photos. Every photo searched is logged."""
    import orjson
    from sqlalchemy import select

    from tipwatch.media.faces.registry import load_registry
    from tipwatch.media.post_media import MediaOptions, read_image
    from tipwatch.model import Post
    from tipwatch.store.media_tables import media_items
    from tipwatch.store.tables import posts

    engine = _engine(db)
    registry = load_registry(engine)
    query = (
        select(media_items.c.post_id, media_items.c.ref, posts.c.source, posts.c.position)
        .join(posts, posts.c.id == media_items.c.post_id)
        .where(media_items.c.status == "ok", posts.c.risk >= min_risk)
        .order_by(posts.c.risk.desc(), media_items.c.post_id, media_items.c.ref)
    )
    if post_ids:
        query = query.where(media_items.c.post_id.in_(post_ids))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    ask = _Ask(by, purpose, legal_basis, case_ref, top, max_distance)
    failed = 0
    options = MediaOptions()  # no downloads: only files under --images and images inside the post's WARC
    for post_id, ref, source, position in rows:
        where = {"post_id": post_id, "image": ref}
        post = Post(id=post_id, source=source, position=position)
        data = read_image(ref, post, images if images is not None else Path(source).parent, options)
        if isinstance(data, tuple):
            stdout_write(orjson.dumps({**where, "error": data[1]}).decode())
            failed += 1
            continue
        if not _search_photo(engine, registry, ask, data, f"post {post_id} image {ref}", where):
            failed += 1
    console.print(
        f"{len(rows)} post image(s) searched against {len(registry)} enrolled face(s). "
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
