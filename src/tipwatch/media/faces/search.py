"""Ranking registry faces by distance to a query face: pure numpy, no model needed.

Distance is Euclidean between dlib's 128-d embeddings. 0.6 is the model's usual cut-off: below it the two faces are
often, but not always, the same person; docs/model-card-faces.md gives the limits. Every candidate keeps its
distance so a reviewer sees how close it is, and the list is ranked, never reduced to a yes/no.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tipwatch.media_model import Registry

DEFAULT_MAX_DISTANCE = 0.6
DEFAULT_TOP = 10


@dataclass(slots=True, frozen=True)
class Candidate:
    rank: int
    person_id: int
    case_ref: str
    label: str
    distance: float
    embedding_id: int  # the enrolled face that came closest

    def as_json(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "person_id": self.person_id,
            "case_ref": self.case_ref,
            "label": self.label,
            "distance": self.distance,
            "embedding_id": self.embedding_id,
        }


def rank_candidates(
    query: np.ndarray,
    registry: Registry,
    *,
    top: int = DEFAULT_TOP,
    max_distance: float = DEFAULT_MAX_DISTANCE,
) -> list[Candidate]:
    """Persons ranked by their closest enrolled face, closest first, at most ``top``, none beyond ``max_distance``."""
    if len(registry) == 0 or top <= 0:
        return []
    q = np.asarray(query, dtype=np.float32).reshape(128)
    dist = np.sqrt(((registry.embeddings - q) ** 2).sum(axis=1))
    order = np.argsort(dist, kind="stable")
    out: list[Candidate] = []
    seen: set[int] = set()
    for i in order.tolist():
        d = float(dist[i])
        if d > max_distance or len(out) >= top:
            break
        person = int(registry.person_ids[i])
        if person in seen:
            continue
        seen.add(person)
        out.append(
            Candidate(
                len(out) + 1,
                person,
                registry.case_refs.get(person, ""),
                registry.labels.get(person, ""),
                round(d, 6),
                int(registry.embedding_ids[i]),
            )
        )
    return out


__all__ = ["DEFAULT_MAX_DISTANCE", "DEFAULT_TOP", "Candidate", "Registry", "rank_candidates"]
