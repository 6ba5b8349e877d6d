"""Exports by role and purpose over the web (``/api/v1/exports`` and the /exports page): a viewer gets redacted
network and case exports in which no stored phone or e-mail appears, and is refused a full one; an analyst gets a
full one only with a purpose; CSV comes as a zip; every export is audited with its level."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from fastapi import FastAPI
from web_helpers import SessionFor, signed_in

from tipwatch.services import audit, cases
from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.store.facade import Store

POSTS = [
    ("w1", "Priya new in town 98765 43210", "call +91 98765 43210 or mail priya.r@example.org"),
    ("w2", "Priya again", "whatsapp 98765-43210, mail priya.r@example.org"),
    ("w3", "Spa jobs", "call 9988776655 now"),
    ("w4", "Spa work", "salary good, call 099887 76655"),
]
PLAIN = ("+919876543210", "9876543210", "priya.r@example.org", "priya.r", "+919988776655", "Priya")


@pytest.fixture
def linked(store: Store, tmp_path: Path) -> Store:
    corpus = tmp_path / "w.jsonl"
    corpus.write_text(
        "".join(json.dumps({"id": i, "platform": "w", "title": t, "body": b}) + "\n" for i, t, b in POSTS)
    )
    req = AnalyzeRequest([corpus], media=False, workers=1, quarantine_path=tmp_path / "q.jsonl")
    assert analyze(store, req, data_dir=tmp_path, link_state_dir=tmp_path / "state").counts.reconciles
    assert store.links.networks()
    return store


def test_network_exports_by_role(app: FastAPI, linked: Store, session_for: SessionFor) -> None:
    viewer, analyst = signed_in(app, session_for, "viewer"), signed_in(app, session_for, "analyst")
    full = {"format": "graphml", "level": "full", "purpose": "referral"}
    refused = viewer.post("/api/v1/exports/networks", json=full)
    assert refused.status_code == 403 and refused.json()["detail"]["code"] == "above_role"
    for fmt in ("graphml", "gexf", "ftm", "stix", "csv"):
        got = viewer.post("/api/v1/exports/networks", json={"format": fmt})
        assert got.status_code == 200, got.text
        assert got.headers["content-disposition"].startswith("attachment;")
        if fmt == "csv":
            with zipfile.ZipFile(io.BytesIO(got.content)) as zf:
                assert sorted(zf.namelist()) == ["entities.csv", "links.csv"]
                text = "".join(zf.read(n).decode() for n in zf.namelist())
        else:
            text = got.content.decode()
        assert [v for v in PLAIN if v in text] == [], fmt
    no_purpose = analyst.post("/api/v1/exports/networks", json={"format": "graphml", "level": "full"})
    assert no_purpose.status_code == 422 and no_purpose.json()["detail"]["code"] == "no_purpose"
    got = analyst.post("/api/v1/exports/networks", json=full)
    assert got.status_code == 200 and "+919876543210" in got.text
    entries = [e for e in audit.entries(linked) if e.action == "networks.export"]
    assert [e.details["level"] for e in entries] == ["redacted"] * 5 + ["full"]
    assert entries[-1].actor.endswith("analyst") and entries[-1].why == "referral"
    for bad in ({"purpose": "a\x00b"}, {"network_ids": ["x'); --"]}, {"level": "all"}):
        assert analyst.post("/api/v1/exports/networks", json={"format": "csv", **bad}).status_code == 422, bad
    no_key = analyst.post("/api/v1/exports/networks", json={"format": "csv", "level": "selectors", "group": "none"})
    assert no_key.status_code == 422 and no_key.json()["detail"]["code"] == "no_selectors"


def test_case_exports_by_role(app: FastAPI, linked: Store, session_for: SessionFor) -> None:
    case = cases.create_case(linked, "ring of 98765 43210", created_by="ana")
    cases.add_posts(linked, case.id, [p.id for p in linked.posts.posts(sorted(linked.links.membership()))], actor="ana")
    viewer = signed_in(app, session_for, "viewer")
    got = viewer.post(f"/api/v1/exports/cases/{case.id}", json={})
    assert got.status_code == 200 and got.json()["export_level"] == "redacted"
    assert [v for v in PLAIN if v in got.text] == [] and len(got.json()["posts"]) == 4
    assert viewer.post(f"/api/v1/exports/cases/{case.id}", json={"level": "full", "purpose": "x"}).status_code == 403
    assert viewer.post("/api/v1/exports/cases/99999", json={}).status_code == 404
    full = signed_in(app, session_for, "supervisor").post(
        f"/api/v1/exports/cases/{case.id}", json={"level": "full", "purpose": "referral to AHTU"}
    )
    assert full.status_code == 200 and "+919876543210" in full.text
    levels = [e.details["level"] for e in audit.entries(linked) if e.action == "case.export"]
    assert levels == ["redacted", "full"]


def test_the_exports_page(app: FastAPI, linked: Store, session_for: SessionFor) -> None:
    viewer = signed_in(app, session_for, "viewer")
    page = viewer.get("/exports")
    assert page.status_code == 200 and '<strong class="ceiling">redacted</strong>' in page.text
    assert '<option value="full"' not in page.text and 'href="/exports"' in page.text
    got = viewer.post("/exports/networks", data={"format": "gexf", "level": "redacted"})
    assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment;")
    assert [v for v in PLAIN if v in got.text] == []
    refused = viewer.post("/exports/networks", data={"format": "gexf", "level": "full", "purpose": "x"})
    assert refused.status_code == 403 and "may export at most" in refused.text
    bad = viewer.post("/exports/networks", data={"format": "gexf", "min_score": "lots"})
    assert bad.status_code == 422 and "nothing exported" in bad.text
    analyst = signed_in(app, session_for, "analyst")
    assert '<option value="full"' in analyst.get("/exports").text
    missing = analyst.post("/exports/case", data={"case_id": "4242", "level": "redacted"})
    assert missing.status_code == 404 and "case not exported" in missing.text
