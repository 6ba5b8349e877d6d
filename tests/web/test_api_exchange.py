"""Partner exchange through the REST API: an analyst exports the store's keyed selectors and matches a partner's
selector file (multipart upload), with purpose and legal basis; bad lines named, counts reconcile, all audited."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import EXCHANGE_BODIES, SECRET, SessionFor, checked_selector_file, scan_and_store, signed_in

from tipwatch.services import audit
from tipwatch.services.exchange import create_key, group_keys
from tipwatch.store.facade import Store

WHY = {"purpose": "overlap with NGO partner", "legal_basis": "MoU 2026/4, DPDP s.7(c)"}


def test_export_then_match_through_the_api(
    client: TestClient, app: FastAPI, store: Store, session_for: SessionFor
) -> None:
    scan_and_store(client, store, EXCHANGE_BODIES)
    made = create_key(store, SECRET.encode(), "ngo", actor="test")
    key = dict(group_keys(store, SECRET.encode(), "ngo"))[made.key_id]
    a = signed_in(app, session_for, "analyst")

    assert a.post("/api/v1/exchange/export", json={"group": "nobody", **WHY}).status_code == 404
    assert a.post("/api/v1/exchange/export", json={"group": "ngo", "purpose": "x"}).status_code == 422
    exported = a.post("/api/v1/exchange/export", json={"group": "ngo", **WHY})
    checked_selector_file(exported, key)

    upload = exported.content + b"garbage\n"
    form = {"group": "ngo", **WHY}
    got = a.post("/api/v1/exchange/match", data=form, files={"file": ("p.jsonl", upload, "application/x-ndjson")})
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["lines"], body["selectors"], body["bad"]) == (3, 2, 1)
    assert body["errors"] == [{"line": 3, "reason": "not JSON"}]
    assert {m["type"] for m in body["matches"]} == {"phone", "email"}
    assert all(m["post_ids"] and set(m) == {"type", "selector", "post_ids", "network_ids"} for m in body["matches"])
    # Purpose and legal basis are required.
    missing = a.post("/api/v1/exchange/match", data={"group": "ngo"}, files={"file": ("p", upload, "text/plain")})
    assert missing.status_code == 422

    done = {e.action: e for e in audit.entries(store) if e.action.startswith("exchange.")}
    assert done["exchange.export"].actor.endswith("analyst") and done["exchange.export"].why == WHY["purpose"]
    assert done["exchange.match"].details["legal_basis"] == WHY["legal_basis"]
    assert done["exchange.match"].details["bad"] == 1
