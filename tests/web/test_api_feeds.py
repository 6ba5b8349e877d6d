"""Feeds through the REST API: an analyst exports a case's indicators as a TLP-marked STIX 2.1 bundle (no ad text;
the text only for a supervisor), and a supervisor reads a partner's bundle file into watches: bad objects named
with their reason, counts reconcile; all audited with purpose and legal basis; roles enforced."""

from __future__ import annotations

import orjson
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import SECRET, SessionFor, as_role

from tipwatch.link.exports import indicator_pattern
from tipwatch.services import accounts, audit, cases
from tipwatch.store.facade import Store

WHY = {"purpose": "joint case 7", "legal_basis": "MoU 2026/4, DPDP s.7(c)"}
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def test_export_a_case_and_import_a_partners_bundle(
    client: TestClient, app: FastAPI, store: Store, session_for: SessionFor
) -> None:
    token, _ = accounts.create_token(store, "s", ["scan"], secret=SECRET.encode(), actor="test")
    ids = []
    for i, body in enumerate(("new girls, call 98765 43210", "jobs abroad, mail rani.x@example.org")):
        got = client.post(
            "/api/v1/scan?store=true",
            json={"body": body, "platform": "site1", "id": str(i)},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert got.json()["stored"], got.text
        ids.append(got.json()["post_id"])
    case = cases.create_case(store, "case 7", created_by="test")
    cases.add_posts(store, case.id, ids, actor="test")
    analyst, boss = as_role(app, session_for, "analyst"), as_role(app, session_for, "supervisor")

    body = {"case_id": case.id, "tlp": "green", **WHY}
    got = analyst.post("/api/v1/feeds/export", json=body)
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/stix+json")
    objects = orjson.loads(got.content)["objects"]
    patterns = {o["pattern"] for o in objects if o["type"] == "indicator"}
    assert patterns == {
        indicator_pattern("phone", "+919876543210"),
        indicator_pattern("email", "rani.x@example.org"),
    }
    assert all(GREEN in o["object_marking_refs"] for o in objects if o["type"] == "indicator")
    assert b"new girls" not in got.content and b"jobs abroad" not in got.content
    assert analyst.post("/api/v1/feeds/export", json={**body, "include_text": True}).status_code == 403
    with_text = boss.post("/api/v1/feeds/export", json={**body, "include_text": True})
    assert with_text.status_code == 200 and b"new girls" in with_text.content
    assert analyst.post("/api/v1/feeds/export", json={"case_id": case.id, "purpose": "x"}).status_code == 422
    assert analyst.post("/api/v1/feeds/export", json={"network_id": "Nnone", **WHY}).status_code == 404
    assert analyst.post("/api/v1/feeds/export", json=WHY).status_code == 422  # neither a network nor a case

    # A partner's bundle: ours plus a bad indicator; read into watches by a supervisor only.
    bad = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--00000000-0000-4000-8000-00000000beef",
        "created": "2026-11-01T00:00:00.000Z",
        "modified": "2026-11-01T00:00:00.000Z",
        "pattern": "[email-addr:value = 'a@x.org' OR email-addr:value = 'b@x.org']",
        "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z",
    }
    # (Indicators and the marking only: the test app takes 4 KB requests.)
    sent = [o for o in objects if o["type"] in ("indicator", "marking-definition")]
    upload = orjson.dumps({"type": "bundle", "id": "bundle--1", "objects": [*sent, bad]})
    form = {"feed": "partner 7", **WHY}
    files = {"file": ("p.json", upload, "application/json")}
    assert analyst.post("/api/v1/feeds/import", data=form, files=files).status_code == 403
    got = boss.post("/api/v1/feeds/import", data=form, files=files)
    assert got.status_code == 200, got.text
    r = got.json()
    assert r["read"] == len(sent) + 1 == r["imported"] + r["already"] + r["skipped"] + r["rejected"]
    assert (r["imported"], r["rejected"]) == (2, 1)
    assert r["errors"] == [{"object_id": bad["id"], "reason": "pattern is not equality comparisons joined by AND"}]
    assert r["alerts"] == 2  # both stored posts hold a pulled value
    assert r["withdrawn"] == 0
    # The partner revokes one of them: a newer version read the same way stops its watch.
    first = next(o for o in sent if o["type"] == "indicator")
    revoked = {**first, "revoked": True, "modified": "2099-01-01T00:00:00.000Z"}
    again = {"file": ("r.json", orjson.dumps({"type": "bundle", "id": "bundle--2", "objects": [revoked]}), "")}
    r = boss.post("/api/v1/feeds/import", data=form, files=again).json()
    assert (r["withdrawn"], r["skipped_by_reason"]) == (1, {"revoked": 1})
    assert len(store.watches.active()) == 1
    garbage = {"file": ("p.json", b"{not json", "application/json")}
    assert boss.post("/api/v1/feeds/import", data=form, files=garbage).status_code == 422

    actions = [e.action for e in audit.entries(store)]
    assert actions.count("feeds.export") == 2 and actions.count("feeds.pull") == 2
    entry = next(e for e in audit.entries(store) if e.action == "feeds.pull")
    assert entry.why == WHY["purpose"] and entry.details["legal_basis"] == WHY["legal_basis"]
