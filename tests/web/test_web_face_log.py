"""The face search log page (/faces/log, supervisors): who searched, when, why, on what basis and how many
candidates came back, newest first and paged, with the chain check; never a photo; reading it is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from web_helpers import SessionFor, cookie_client

from tipwatch.media.faces.registry import log_entry
from tipwatch.services import audit
from tipwatch.store.facade import Store


def _log(store: Store, n: int) -> None:
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    for i in range(n):
        candidates = [{"rank": r + 1, "person_id": r + 1, "distance": 0.4} for r in range(i % 3)]
        store.faces.append_search_log(
            log_entry(
                at=start + timedelta(minutes=i),
                searched_by=f"user:officer{i % 2}",
                purpose=f"missing person <b>MP-{i}</b>",
                legal_basis="police act s.12",
                case_ref=f"MP-{i}",
                query_ref="upload.jpg",
                query_sha256=f"{i:064x}",
                faces_in_query=1,
                top=5,
                max_distance=0.6,
                registry_faces=10,
                results=[{"box": [1, 2, 3, 4], "candidates": candidates}],
            )
        )


def test_supervisors_read_the_face_search_log(app: FastAPI, store: Store, session_for: SessionFor) -> None:
    _log(store, 53)
    sup = cookie_client(app, session_for("supervisor")[0])
    first = sup.get("/faces/log")
    assert first.status_code == 200
    rows = first.text.split('<tr class="search"')[1:]
    assert len(rows) == 50 and 'data-id="53"' in rows[0] and 'data-id="4"' in rows[-1]
    assert "MP-52" in rows[0] and "user:officer0" in rows[0] and "police act s.12" in rows[0]
    assert '<td class="results">1</td>' in rows[0]  # 52 % 3 candidates
    assert "&lt;b&gt;MP-52&lt;/b&gt;" in first.text and "<b>MP-52</b>" not in first.text  # escaped
    assert "Log chain intact." in first.text and "<img" not in first.text
    older = sup.get("/faces/log", params={"before_id": 4})
    assert older.text.count('<tr class="search"') == 3 and "Older searches" not in older.text
    assert [e.actor for e in audit.entries(store) if e.action == "face.log.view"] == ["user:supervisor"] * 2
    assert 'href="/faces/log"' in sup.get("/audit").text
    for role in ("viewer", "analyst"):
        assert cookie_client(app, session_for(role)[0]).get("/faces/log").status_code == 403
