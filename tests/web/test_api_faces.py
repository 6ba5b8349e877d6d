"""Face search through the API and the page, on a real store (SQLite, and PostgreSQL when TIPWATCH_TEST_PG_URL is
set) with a real photo and dlib's model: only users holding the face-search permission search, purpose and legal
basis are required, the photo is hostile input (size-limited, decoded with the media limits, never kept), and every
search lands in the face search log and the audit log."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import SECRET, SessionFor, astronaut_photos, cookie_client

from tipwatch.config import Config
from tipwatch.media.faces.model import available
from tipwatch.services import accounts, audit, faces
from tipwatch.store.facade import Store
from tipwatch.web.app import create_app
from tipwatch.web.auth import CSRF_HEADER

pytestmark = pytest.mark.skipif(not available(), reason="faces extra not installed (dlib-bin, face-recognition-models)")
FORM = {"purpose": "missing person report MP-1", "legal_basis": "police act s.12", "case_ref": "MP-1"}


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> FastAPI:
    # Room for a photo (the shared app fixture caps bodies at 4 KiB).
    config = Config(database_url=db_url, data_dir=tmp_path / "data", secret_key=SECRET)  # type: ignore[arg-type]
    return create_app(config)


@pytest.fixture(scope="module")
def photos() -> tuple[bytes, bytes]:
    return astronaut_photos()


@pytest.fixture
def enrolled(store: Store, photos: tuple[bytes, bytes]) -> int:
    got = faces.faces_in(photos[0])
    assert not isinstance(got, str), got
    sha, found = got
    return faces.enrol_person(
        store,
        case_ref="MP-1",
        label="missing child A",
        enrolled_by="officer 1",
        legal_basis="missing-person investigation",
        consent="guardian, form 12",
        retention_until=date.today() + timedelta(days=365),
        photos=[faces.EnrolPhoto("enrol.png", sha, found)],
    ).person_id


def _client(app: FastAPI, session_for: SessionFor, name: str) -> TestClient:
    session_id, csrf = session_for(name)
    c = cookie_client(app, session_id)
    c.headers[CSRF_HEADER] = csrf
    return c


def _search(c: TestClient, photo: bytes, **form: str) -> httpx.Response:
    return c.post("/api/v1/faces/search", data=form, files={"photo": ("ad.jpg", photo, "image/jpeg")})


def test_a_photo_finds_the_enrolled_person_as_a_logged_lead(
    app: FastAPI, store: Store, session_for: SessionFor, photos: tuple[bytes, bytes], enrolled: int
) -> None:
    got = _search(_client(app, session_for, "faces"), photos[1], **FORM, top="3")
    assert got.status_code == 200, got.text
    out = got.json()
    assert "not an identification" in out["note"]
    assert out["query_sha256"] == hashlib.sha256(photos[1]).hexdigest() and out["registry_faces"] == 1
    best = out["faces"][0]
    assert best["face"] == 0 and len(best["box"]) == 4
    assert best["candidates"][0]["person_id"] == enrolled and best["candidates"][0]["case_ref"] == "MP-1"
    assert best["candidates"][0]["label"] == "missing child A" and best["candidates"][0]["distance"] < 0.4
    # The face search log holds who, why, the photo's hash and what came back; the chain is intact.
    [entry] = faces.search_log(store)
    assert entry["id"] == out["log_id"] and entry["searched_by"] == "faces"
    assert (entry["purpose"], entry["legal_basis"], entry["case_ref"]) == (FORM["purpose"], FORM["legal_basis"], "MP-1")
    assert entry["query_sha256"] == out["query_sha256"] and "ad.jpg" not in entry["query_ref"]
    assert faces.verify_log(store) == []
    # The audit log too, with purpose and legal basis.
    [logged] = [e for e in audit.entries(store) if e.action == "face.search"]
    target = f"face_search_log:{out['log_id']}"
    assert (logged.actor, logged.target, logged.why) == ("user:faces", target, FORM["purpose"])
    assert logged.details["legal_basis"] == FORM["legal_basis"] and logged.details["log_id"] == out["log_id"]
    assert audit.verify(store).ok


def test_face_search_refusals(
    app: FastAPI, store: Store, session_for: SessionFor, photos: tuple[bytes, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    searcher = _client(app, session_for, "faces")
    # Without the permission: refused whatever the role, before anything is read or logged.
    for name in ("analyst", "admin"):
        assert _search(_client(app, session_for, name), photos[1], **FORM).status_code == 403
    token, _ = accounts.create_token(store, "t", ["read", "scan"], secret=SECRET.encode(), actor="test")
    bearer = TestClient(app, base_url="https://testserver", headers={"Authorization": f"Bearer {token}"})
    assert _search(bearer, photos[1], **FORM).status_code == 403
    # Purpose and legal basis are required: absent, or blank.
    for missing in ("purpose", "legal_basis"):
        absent = {k: v for k, v in FORM.items() if k != missing}
        refused = _search(searcher, photos[1], **absent)
        assert refused.status_code == 422 and missing in refused.text
        blank = _search(searcher, photos[1], **{**FORM, missing: "   "})
        assert blank.status_code == 422 and missing in blank.text
    assert searcher.post("/api/v1/faces/search", data=FORM).status_code == 422  # no photo
    assert faces.search_log(store) == [] and not [e for e in audit.entries(store) if e.action == "face.search"]
    # Hostile bytes: not an image -> 422 with the reason; the attempt is audited, no search is logged.
    junk = _search(searcher, b"<script>alert(1)</script>" * 10, **FORM)
    assert junk.status_code == 422 and "cannot be used" in junk.json()["detail"]
    [attempt] = [e for e in audit.entries(store) if e.action == "face.search"]
    assert attempt.details["error"] and faces.search_log(store) == []
    # Over the photo limit: 413, nothing decoded.
    monkeypatch.setattr(faces, "MAX_QUERY_BYTES", 1000)
    assert _search(searcher, photos[1], **FORM).status_code == 413
    assert faces.search_log(store) == []


def test_the_face_search_log_for_supervisors(
    app: FastAPI, store: Store, session_for: SessionFor, photos: tuple[bytes, bytes], enrolled: int
) -> None:
    searcher = _client(app, session_for, "faces")
    for n in range(3):
        assert _search(searcher, photos[1], **{**FORM, "case_ref": f"MP-{n}"}).status_code == 200
    supervisor = _client(app, session_for, "supervisor")
    first = supervisor.get("/api/v1/faces/log", params={"limit": 2}).json()
    assert [e["case_ref"] for e in first["entries"]] == ["MP-2", "MP-1"] and first["chain_ok"] and not first["problems"]
    rest = supervisor.get("/api/v1/faces/log", params={"before_id": first["next_before_id"]}).json()
    assert [e["case_ref"] for e in rest["entries"]] == ["MP-0"] and rest["next_before_id"] is None
    assert rest["entries"][0]["results"][0]["candidates"][0]["person_id"] == enrolled
    assert [e.actor for e in audit.entries(store) if e.action == "face.log.view"] == ["user:supervisor"] * 2
    assert _client(app, session_for, "faces").get("/api/v1/faces/log").status_code == 403  # an analyst


def test_the_face_search_page(
    app: FastAPI, store: Store, session_for: SessionFor, photos: tuple[bytes, bytes], enrolled: int
) -> None:
    session_id, csrf = session_for("faces")
    browser = cookie_client(app, session_id)
    form_page = browser.get("/faces")
    assert form_page.status_code == 200 and 'enctype="multipart/form-data"' in form_page.text
    assert 'href="/faces"' in form_page.text and "not an identification" in form_page.text
    assert f'name="csrf_token" value="{csrf}"' in form_page.text
    upload = {"photo": ("ad.jpg", photos[1], "image/jpeg")}
    # The CSRF token is required (a form field here, as the browser sends it).
    assert browser.post("/faces", data=FORM, files=upload).status_code == 403
    assert faces.search_log(store) == []
    done = browser.post("/faces", data={**FORM, "csrf_token": csrf}, files=upload)
    assert done.status_code == 200, done.text
    rows = re.findall(r'<tr class="candidate" data-person-id="(\d+)">', done.text)
    assert rows[0] == str(enrolled) and "missing child A" in done.text and "MP-1" in done.text
    assert done.text.count("not an identification") >= 2
    [entry] = faces.search_log(store)
    assert f"Search log entry {entry['id']}" in done.text
    assert [e.action for e in audit.entries(store)].count("face.search") == 1
    # Missing purpose: the form again with the reason, nothing logged.
    missing = browser.post("/faces", data={**FORM, "purpose": " ", "csrf_token": csrf}, files=upload)
    assert missing.status_code == 422 and "purpose" in missing.text and len(faces.search_log(store)) == 1
    # Without the permission: no nav entry, and the page refuses (403) on GET and POST.
    other_id, other_csrf = session_for("analyst")
    analyst = cookie_client(app, other_id)
    assert 'href="/faces"' not in analyst.get("/").text
    assert analyst.get("/faces").status_code == 403
    assert analyst.post("/faces", data={**FORM, "csrf_token": other_csrf}, files=upload).status_code == 403
    assert len(faces.search_log(store)) == 1
