"""Face search for missing persons: enrol persons, list and remove them, search photos and stored posts' images for
their faces, and read and verify the search log.

Results are ranked candidates with distances for a person to review, never an identification; every search is logged
with who, why and what it returned, whether or not anything was found. Detecting faces needs the faces extra
(``tipwatch.media.faces.model.FacesUnavailable`` otherwise); the registry, ranking and log work without it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from tipwatch.media.faces.model import MODEL_NAME, Face, FacesUnavailable
from tipwatch.media.faces.registry import (
    EnrolPhoto,
    EnrolResult,
    FaceRegistryError,
    SearchOutcome,
    check_enrolment,
    log_entry,
    rank_faces,
    require,
)
from tipwatch.media.faces.search import DEFAULT_MAX_DISTANCE, DEFAULT_TOP
from tipwatch.media_model import Registry
from tipwatch.services import audit
from tipwatch.store.facade import Store
from tipwatch.store.interface.faces import NewFace, NewPerson, Person, verify_chain
from tipwatch.store.interface.media import PostImage

__all__ = [
    "DEFAULT_TOP",
    "MAX_QUERY_BYTES",
    "EnrolPhoto",
    "EnrolResult",
    "FaceRegistryError",
    "FacesUnavailable",
    "PhotoSearch",
    "SearchAsk",
    "SearchOutcome",
    "add_embeddings",
    "enrol_files",
    "enrol_person",
    "faces_in",
    "faces_of",
    "list_persons",
    "load_registry",
    "post_images",
    "purge_expired",
    "remove_person",
    "search_and_log",
    "search_log",
    "search_photos",
    "search_post_images",
    "search_upload",
    "set_hold",
    "verify_log",
]


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def enrol_person(
    store: Store,
    *,
    case_ref: str,
    label: str,
    enrolled_by: str,
    legal_basis: str,
    consent: str,
    retention_until: date,
    photos: Sequence[EnrolPhoto],
    notes: str = "",
    today: date | None = None,
) -> EnrolResult:
    """Add a person and one face per photo. A photo with no face, or with several (whose is it?), is refused."""
    usable, refused = check_enrolment(
        case_ref=case_ref,
        enrolled_by=enrolled_by,
        legal_basis=legal_basis,
        consent=consent,
        retention_until=retention_until,
        photos=photos,
        today=today,
    )
    person = NewPerson(case_ref, label, enrolled_by, legal_basis, consent, retention_until, notes)
    faces = [NewFace(p.ref, p.sha256, list(face.box), face.embedding, MODEL_NAME) for p, face in usable]
    person_id = store.faces.add_person(person, faces)
    return EnrolResult(person_id, [p.ref for p, _ in usable], refused)


def add_embeddings(
    store: Store, person_id: int, faces: Sequence[tuple[str, str, np.ndarray]], *, model: str = MODEL_NAME
) -> int:
    """Store (photo ref, photo sha256, embedding) rows for an enrolled person (benchmarks and bulk loads)."""
    return store.faces.add_faces(person_id, [NewFace(ref, sha, [], emb, model) for ref, sha, emb in faces])


def list_persons(store: Store) -> list[Person]:
    return store.faces.list_persons()


def remove_person(store: Store, person_id: int) -> None:
    """Remove a person and their faces now (the search log keeps what earlier searches returned)."""
    if not store.faces.delete_person(person_id):
        raise FaceRegistryError(f"no enrolled person {person_id}")


def set_hold(store: Store, person_id: int, hold: bool, *, actor: str, why: str) -> None:
    """Put an enrolled person on legal hold (retention and the expiry purge keep them) or release them; audited
    (``face.hold`` / ``face.release``) with the reason."""
    if not why.strip():
        raise FaceRegistryError("give the reason for the hold or its release (e.g. the order's reference)")
    if not store.faces.set_hold(person_id, hold):
        raise FaceRegistryError(f"no enrolled person {person_id}")
    audit.append(store, actor, "face.hold" if hold else "face.release", f"face_person:{person_id}", why.strip())


def load_registry(store: Store, *, today: date | None = None) -> Registry:
    """Every enrolled face of persons whose retention date has not passed."""
    return store.faces.load_registry(_today(today))


def purge_expired(store: Store, *, today: date | None = None) -> int:
    """Delete persons (and their faces) whose retention date has passed, except those on legal hold; returns how
    many persons."""
    return store.faces.purge_expired(_today(today))


def search_and_log(
    store: Store,
    *,
    query_faces: Sequence[Face],
    query_ref: str,
    query_sha256: str,
    searched_by: str,
    purpose: str,
    legal_basis: str,
    case_ref: str = "",
    top: int = DEFAULT_TOP,
    max_distance: float = DEFAULT_MAX_DISTANCE,
    registry: Registry | None = None,
    now: datetime | None = None,
) -> SearchOutcome:
    """Rank candidates for every face in the query photo and log the search (who, why, what came back).

    Nothing is returned before its log entry is stored: a failed append raises instead.
    """
    require(searched_by=searched_by, purpose=purpose, legal_basis=legal_basis)
    at = (now or datetime.now(UTC)).astimezone(UTC)
    reg = registry if registry is not None else store.faces.load_registry(at.date())
    faces_out = rank_faces(query_faces, reg, top=top, max_distance=max_distance)
    entry = log_entry(
        at=at,
        searched_by=searched_by,
        purpose=purpose,
        legal_basis=legal_basis,
        case_ref=case_ref,
        query_ref=query_ref,
        query_sha256=query_sha256,
        faces_in_query=len(query_faces),
        top=top,
        max_distance=max_distance,
        registry_faces=len(reg),
        results=faces_out,
    )
    return SearchOutcome(store.faces.append_search_log(entry), faces_out)


def search_log(store: Store) -> list[dict[str, Any]]:
    return store.faces.search_log()


def verify_log(store: Store) -> list[str]:
    """Problems found in the log's hash chain (empty when intact): an edited, removed or inserted row breaks it."""
    return verify_chain(store.faces.search_log())


def faces_in(data: bytes, *, max_bytes: int | None = None) -> tuple[str, list[Face]] | str:
    """(sha256, faces) of image bytes, or the reason they cannot be used (decoded with the media stage's size,
    pixel and decompression-bomb limits). FacesUnavailable without the extra."""
    from tipwatch.media.faces.model import face_model
    from tipwatch.media.images import DEFAULT_MAX_BYTES, ImageRejected, load_image

    loaded = load_image(data, max_bytes=max_bytes or DEFAULT_MAX_BYTES)
    if isinstance(loaded, ImageRejected):
        return loaded.reason
    model = face_model()
    return hashlib.sha256(data).hexdigest(), model.faces(loaded.rgb())


def faces_of(path: Path) -> tuple[str, list[Face]] | str:
    """(sha256, faces) of an image file, or the reason it cannot be used."""
    from tipwatch.media.hashing import read_limited

    data = read_limited(path)
    if isinstance(data, str):
        return data
    return faces_in(data)


def enrol_files(
    store: Store,
    photos: Sequence[Path],
    *,
    case_ref: str,
    label: str,
    enrolled_by: str,
    legal_basis: str,
    consent: str,
    retention_until: date,
    notes: str = "",
    on_unreadable: Callable[[Path, str], None] | None = None,
) -> tuple[EnrolResult, int]:
    """Detect the face in each photo file and enrol the person (``enrol_person``). Returns the result and how many
    photos could not be read at all (each reported to ``on_unreadable(path, reason)``)."""
    items = []
    for path in photos:
        got = faces_of(path)
        if isinstance(got, str):
            if on_unreadable is not None:
                on_unreadable(path, got)
            continue
        sha, faces = got
        items.append(EnrolPhoto(str(path), sha, faces))
    result = enrol_person(
        store,
        case_ref=case_ref,
        label=label,
        enrolled_by=enrolled_by,
        legal_basis=legal_basis,
        consent=consent,
        retention_until=retention_until,
        photos=items,
        notes=notes,
    )
    return result, len(photos) - len(items)


@dataclass(frozen=True, slots=True)
class SearchAsk:
    """Who searches, why, on what basis, and how many candidates: logged with every search."""

    by: str
    purpose: str
    legal_basis: str
    case_ref: str = ""
    top: int = DEFAULT_TOP
    max_distance: float = DEFAULT_MAX_DISTANCE


@dataclass(slots=True)
class PhotoSearch:
    """One photo searched: its logged outcome, or why it could not be searched (then nothing was logged)."""

    query_ref: str
    outcome: SearchOutcome | None = None
    error: str | None = None
    query_sha256: str = ""  # of the photo's bytes, when it could be read
    registry_faces: int = 0  # enrolled faces it was searched against


def _search(
    store: Store, registry: Registry, ask: SearchAsk, got: tuple[str, list[Face]] | str, ref: str
) -> PhotoSearch:
    if isinstance(got, str):
        return PhotoSearch(ref, error=got)
    sha, faces = got
    outcome = search_and_log(
        store,
        query_faces=faces,
        query_ref=ref,
        query_sha256=sha,
        searched_by=ask.by,
        purpose=ask.purpose,
        legal_basis=ask.legal_basis,
        case_ref=ask.case_ref,
        top=ask.top,
        max_distance=ask.max_distance,
        registry=registry,
    )
    return PhotoSearch(ref, outcome, query_sha256=sha, registry_faces=len(registry))


# The largest photo the workspace accepts for a search (a phone photo or a screenshot is a few MB).
MAX_QUERY_BYTES = 10 * 1024 * 1024


def search_upload(store: Store, data: bytes, ask: SearchAsk, *, actor: str, query_ref: str) -> PhotoSearch:
    """Search one uploaded photo for enrolled faces, as the web page and the API do.

    Who, why and the legal basis are checked first (FaceRegistryError). The bytes are hostile: decoded with the
    media limits (``MAX_QUERY_BYTES``, pixels, bombs), never written anywhere; only their SHA-256 is logged. A usable
    photo is logged in the face search log; every attempt, usable or not, goes to the audit log ("face.search",
    with purpose, legal basis and the search log entry) so a supervisor sees it next to the user's other acts.
    """
    require(searched_by=ask.by, purpose=ask.purpose, legal_basis=ask.legal_basis)
    if len(data) > MAX_QUERY_BYTES:
        got: tuple[str, list[Face]] | str = f"photo too large: {len(data)} bytes > {MAX_QUERY_BYTES}"
    else:
        got = faces_in(data, max_bytes=MAX_QUERY_BYTES)
    result = _search(store, load_registry(store), ask, got, query_ref)
    details: dict[str, Any] = {
        "purpose": ask.purpose,
        "legal_basis": ask.legal_basis,
        "case_ref": ask.case_ref,
        "query_sha256": hashlib.sha256(data).hexdigest(),
    }
    if result.outcome is not None:
        found = result.outcome.faces
        details |= {
            "log_id": result.outcome.log_id,
            "faces_in_query": len(found),
            "candidates": sum(len(f["candidates"]) for f in found),
        }
    else:
        details["error"] = result.error
    target = f"face_search_log:{result.outcome.log_id}" if result.outcome is not None else "face_search_log:-"
    audit.append(store, actor, "face.search", target, ask.purpose, details)
    return result


def search_photos(
    store: Store, photos: Sequence[Path], ask: SearchAsk, registry: Registry
) -> Iterator[tuple[Path, PhotoSearch]]:
    """Search each photo file for enrolled faces (``registry``: load once with ``load_registry``), logging each."""
    for photo in photos:
        yield photo, _search(store, registry, ask, faces_of(photo), str(photo))


def post_images(store: Store, *, min_risk: float = 0.0, post_ids: Sequence[str] = ()) -> list[PostImage]:
    """Decoded images of stored posts at or above ``min_risk`` (only ``post_ids``, when given), riskiest first."""
    return store.media.post_images(min_risk=min_risk, post_ids=post_ids)


def search_post_images(
    store: Store, rows: Sequence[PostImage], ask: SearchAsk, registry: Registry, images_dir: Path | None = None
) -> Iterator[tuple[PostImage, PhotoSearch]]:
    """Search stored posts' images, read again the way the media stage read them (relative paths under
    ``images_dir``, default the input's folder; images inside the post's WARC; never downloaded)."""
    from tipwatch.media.post_media import MediaOptions, read_image
    from tipwatch.model import Post

    options = MediaOptions()  # no downloads: only files under images_dir and images inside the post's WARC
    for row in rows:
        post = Post(id=row.post_id, source=row.source, position=row.position)
        base = images_dir if images_dir is not None else Path(row.source).parent
        data = read_image(row.ref, post, base, options)
        ref = f"post {row.post_id} image {row.ref}"
        if isinstance(data, tuple):
            yield row, PhotoSearch(ref, error=data[1])
            continue
        yield row, _search(store, registry, ask, faces_in(data), ref)
