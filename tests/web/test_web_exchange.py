"""The partner exchange page (/exchange, supervisors and admins): groups and key ids listed (never the key), a key
made and shown once, a rotation, a partner's key imported by upload, selectors exported as a download and a partner's
file matched with its bad lines named, every act audited; refusals said on the page."""

from __future__ import annotations

import re

import orjson
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import (
    EXCHANGE_BODIES,
    SECRET,
    SessionFor,
    checked_selector_file,
    cookie_client,
    scan_and_store,
    signed_in,
)

from tipwatch.services import audit
from tipwatch.services.exchange import create_key, group_keys, selector
from tipwatch.store.facade import Store

WHY = {"purpose": "overlap with NGO partner", "legal_basis": "MoU 2026/4, DPDP s.7(c)"}


def _supervisor(app: FastAPI, session_for: SessionFor) -> TestClient:
    return signed_in(app, session_for, "supervisor")


def test_keys_are_made_listed_and_imported_never_shown_twice(
    app: FastAPI, store: Store, session_for: SessionFor
) -> None:
    sup = _supervisor(app, session_for)
    empty = sup.get("/exchange")
    assert empty.status_code == 200 and "No sharing group yet" in empty.text
    made = sup.post("/exchange/keys", data={"group": "ngo", "deliver": "show"})
    assert made.status_code == 200
    key_file = re.search(r'<textarea class="key-file"[^>]*>([^<]+)</textarea>', made.text)
    assert key_file is not None
    data = orjson.loads(key_file.group(1).replace("&#34;", '"'))
    key_id = data["key_id"]
    assert dict(group_keys(store, SECRET.encode(), "ngo"))[key_id]
    # Listed by id afterwards; the key itself appears nowhere.
    listed = sup.get("/exchange")
    assert f'data-key-id="{key_id}"' in listed.text and data["key"] not in listed.text
    assert "exports and matches" in listed.text
    # Rotation by download: the new key becomes current, the old one matches only.
    rotated = sup.post("/exchange/keys", data={"group": "ngo", "deliver": "download"})
    assert rotated.status_code == 200 and rotated.headers["content-disposition"].startswith("attachment;")
    assert rotated.headers["cache-control"] == "no-store"
    new_id = orjson.loads(rotated.content)["key_id"]
    assert [k for k, _ in group_keys(store, SECRET.encode(), "ngo")] == [new_id, key_id]
    assert "matches only (rotated)" in sup.get("/exchange").text
    # A partner's key file, uploaded into another group; a damaged one and a bad group name are refused.
    imported = sup.post(
        "/exchange/keys/import",
        data={"group": "police"},
        files={"file": ("p.key", key_file.group(1).replace("&#34;", '"'))},
    )
    assert imported.status_code == 200 and f"Group police: key {key_id} imported." in imported.text
    bad = sup.post("/exchange/keys/import", data={"group": "police"}, files={"file": ("x.key", b"<script>x</script>")})
    assert bad.status_code == 422 and "not a tipwatch exchange key file" in bad.text and "<script>x" not in bad.text
    huge = sup.post("/exchange/keys/import", data={"group": "police"}, files={"file": ("x.key", b"{" * 20_000)})
    assert huge.status_code == 413
    named = sup.post("/exchange/keys", data={"group": "../etc", "deliver": "show"})
    assert named.status_code == 422 and "a group name is" in named.text
    done = [e for e in audit.entries(store) if e.action.startswith("exchange.key_")]
    assert [(e.action, e.target) for e in done] == [
        ("exchange.key_created", "group:ngo"),
        ("exchange.key_created", "group:ngo"),
        ("exchange.key_imported", "group:police"),
    ]
    assert all(e.actor.endswith("supervisor") for e in done)


def test_export_and_match_from_the_page(
    client: TestClient, app: FastAPI, store: Store, session_for: SessionFor
) -> None:
    scan_and_store(client, store, EXCHANGE_BODIES)
    made = create_key(store, SECRET.encode(), "ngo", actor="test")
    key = dict(group_keys(store, SECRET.encode(), "ngo"))[made.key_id]
    sup = _supervisor(app, session_for)
    # Purpose and legal basis are required; a bad scope is named.
    assert sup.post("/exchange/export", data={"group": "ngo", "purpose": "x"}).status_code == 422
    bad_scope = sup.post("/exchange/export", data={"group": "ngo", "min_risk": "2", **WHY})
    assert bad_scope.status_code == 422 and "between 0 and 1" in bad_scope.text
    exported = sup.post("/exchange/export", data={"group": "ngo", **WHY})
    rows = checked_selector_file(exported, key)
    # A partner's file holding one of ours, one the store lacks, and a hostile line.
    other = selector(key, "phone", "+919000011111")
    upload = (
        orjson.dumps(
            {"type": "phone", "selector": rows[0]["selector"] if rows[0]["type"] == "phone" else rows[1]["selector"]}
        )
        + b"\n"
        + orjson.dumps({"type": "phone", "selector": other})
        + b"\n<img src=x onerror=alert(1)>\n"
    )
    matched = sup.post("/exchange/match", data={"group": "ngo", **WHY}, files={"file": ("p.jsonl", upload)})
    assert matched.status_code == 200, matched.text
    html = matched.text
    assert re.findall(r'<tr class="match" data-type="(\w+)" data-selector="(\w+)">', html) == [
        ("phone", selector(key, "phone", "+919876543210"))
    ]
    assert 'href="/posts/site1/0"' in html and other not in html
    assert "3 line(s) = 2 selector(s) +" in html and "<td>3</td><td>not JSON</td>" in html
    assert "<img src=x" not in html
    assert "+919876543210" not in html  # the plain value is not shown, only the selector and the local post
    missing = sup.post("/exchange/match", data={"group": "ngo"}, files={"file": ("p.jsonl", upload)})
    assert missing.status_code == 422 and "give the purpose" in missing.text
    nul = sup.post("/exchange/match", data={"group": "ngo", **WHY, "purpose": "a\x00b"}, files={"file": ("p", upload)})
    assert nul.status_code == 422 and "give the purpose" in nul.text
    nokey = sup.post("/exchange/match", data={"group": "nobody", **WHY}, files={"file": ("p.jsonl", upload)})
    assert nokey.status_code == 404 and "has no key" in nokey.text
    entries = {e.action: e for e in audit.entries(store) if e.action in ("exchange.export", "exchange.match")}
    assert entries["exchange.export"].why == WHY["purpose"] and entries["exchange.export"].actor.endswith("supervisor")
    assert entries["exchange.match"].details["legal_basis"] == WHY["legal_basis"]
    assert (entries["exchange.match"].details["matched"], entries["exchange.match"].details["bad"]) == (1, 1)


def test_analysts_and_viewers_cannot_reach_the_page(app: FastAPI, session_for: SessionFor) -> None:
    for role in ("viewer", "analyst"):
        session_id, csrf = session_for(role)
        c = cookie_client(app, session_id)
        page = c.get("/exchange")
        assert page.status_code == 403
        assert c.post("/exchange/keys", data={"group": "g", "csrf_token": csrf}).status_code == 403
        assert 'href="/exchange"' not in c.get("/").text
    assert 'href="/exchange"' in _supervisor(app, session_for).get("/").text
