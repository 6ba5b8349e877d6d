"""Face search: ranked candidates for each face in an uploaded photo (leads for a person to compare, never an
identification), and the face search log for supervisors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

LEAD_NOTE = (
    "Candidates are leads for human review, not an identification: a trained person must compare the photos "
    "before anything is done."
)


class FaceCandidateOut(BaseModel):
    rank: int
    person_id: int
    label: str = Field(description="How reviewers see the enrolled person.")
    case_ref: str = Field(description="The case the person was enrolled for.")
    distance: float = Field(description="Euclidean distance between embeddings: lower is closer (cut-off 0.6).")
    embedding_id: int = Field(description="The enrolled face that came closest.")


class QueryFaceOut(BaseModel):
    face: int = Field(description="Which face in the uploaded photo (0: the largest).")
    box: list[int] = Field(description="top, right, bottom, left in the photo's pixels.")
    candidates: list[FaceCandidateOut]


class FaceSearchOut(BaseModel):
    log_id: int = Field(description="The face search log entry of this search.")
    query_sha256: str = Field(description="The photo's SHA-256 (the photo itself is not kept).")
    faces_in_query: int
    registry_faces: int = Field(description="Enrolled faces searched (persons past their retention date excluded).")
    faces: list[QueryFaceOut]
    note: str = LEAD_NOTE


class FaceLogEntryOut(BaseModel):
    id: int
    searched_at: datetime
    searched_by: str
    purpose: str
    legal_basis: str
    case_ref: str
    query_ref: str
    query_sha256: str
    faces_in_query: int
    params: dict[str, Any]
    results: list[dict[str, Any]]
    prev_hash: str
    entry_hash: str


class FaceLogPage(BaseModel):
    entries: list[FaceLogEntryOut] = Field(description="Newest first.")
    next_before_id: int | None
    chain_ok: bool = Field(description="Whether the whole log's hash chain is intact.")
    problems: list[str] = Field(description="What breaks the chain (empty when intact).")
