"""Face registry rules: what enrolment and search require, which photos can be enrolled, and what a search logs.

Enrolment records who enrolled the person, the legal basis, consent and a retention date; expired persons are left
out of searches and removed when purged. A search requires who, why (purpose) and the legal basis, and is logged with
what it returned, whether or not anything was found. Storage: ``tipwatch.store.interface.faces.FaceStore`` (the log
is append-only and hash-chained there); use cases: ``tipwatch.services.faces``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from tipwatch.media.faces.model import MODEL_NAME, Face
from tipwatch.media.faces.search import Candidate, Registry, rank_candidates


class FaceRegistryError(ValueError):
    """Missing accountability fields, unusable photos, unknown persons."""


def require(**fields: str) -> None:
    """FaceRegistryError naming every field that is empty or blank."""
    missing = [name for name, value in fields.items() if not (value or "").strip()]
    if missing:
        raise FaceRegistryError(f"required for face search work: {', '.join(missing)}")


@dataclass(slots=True)
class EnrolPhoto:
    ref: str
    sha256: str
    faces: list[Face]  # as detected; exactly one is required


@dataclass(slots=True)
class EnrolResult:
    person_id: int
    enrolled: list[str] = field(default_factory=list)  # refs of photos whose face was stored
    refused: list[tuple[str, str]] = field(default_factory=list)  # (ref, reason)


def check_enrolment(
    *,
    case_ref: str,
    enrolled_by: str,
    legal_basis: str,
    consent: str,
    retention_until: date,
    photos: Sequence[EnrolPhoto],
    today: date | None = None,
) -> tuple[list[tuple[EnrolPhoto, Face]], list[tuple[str, str]]]:
    """(usable photos with their one face, refused (ref, reason)). A photo with no face, or with several (whose is
    it?), is refused; FaceRegistryError when a required field is missing, the retention date has come, or nothing
    is usable."""
    require(case_ref=case_ref, enrolled_by=enrolled_by, legal_basis=legal_basis, consent=consent)
    if retention_until <= (today or datetime.now(UTC).date()):
        raise FaceRegistryError(f"retention date {retention_until} is not in the future")
    usable: list[tuple[EnrolPhoto, Face]] = []
    refused: list[tuple[str, str]] = []
    for photo in photos:
        if not photo.faces:
            refused.append((photo.ref, "no face found"))
        elif len(photo.faces) > 1:
            refused.append((photo.ref, f"{len(photo.faces)} faces found: crop the photo to the person"))
        else:
            usable.append((photo, photo.faces[0]))
    if not usable:
        reasons = "; ".join(f"{r}: {why}" for r, why in refused) or "no photos"
        raise FaceRegistryError(f"nothing to enrol ({reasons})")
    return usable, refused


@dataclass(slots=True)
class SearchOutcome:
    log_id: int
    faces: list[dict[str, Any]]  # per query face: its box and ranked candidates


def rank_faces(
    query_faces: Sequence[Face], registry: Registry, *, top: int, max_distance: float
) -> list[dict[str, Any]]:
    """Per query face: its box and its ranked candidates (as logged and as printed)."""
    out = []
    for face in query_faces:
        cands: list[Candidate] = rank_candidates(face.embedding, registry, top=top, max_distance=max_distance)
        out.append({"box": list(face.box), "candidates": [c.as_json() for c in cands]})
    return out


def log_entry(
    *,
    at: datetime,
    searched_by: str,
    purpose: str,
    legal_basis: str,
    case_ref: str,
    query_ref: str,
    query_sha256: str,
    faces_in_query: int,
    top: int,
    max_distance: float,
    registry_faces: int,
    results: list[dict[str, Any]],
) -> dict[str, Any]:
    """The search log entry of one search: who, why, on what basis, what was asked and what came back."""
    return {
        "searched_at": at,
        "searched_by": searched_by,
        "purpose": purpose,
        "legal_basis": legal_basis,
        "case_ref": case_ref,
        "query_ref": query_ref,
        "query_sha256": query_sha256,
        "faces_in_query": faces_in_query,
        "params": {"top": top, "max_distance": max_distance, "registry_faces": registry_faces, "model": MODEL_NAME},
        "results": results,
    }
