"""POST /api/v1/scan with API tokens, on a real store."""

from __future__ import annotations

import base64
import io

from fastapi.testclient import TestClient
from web_helpers import SECRET

from tipwatch.services import accounts
from tipwatch.store.facade import Store

AD = {"title": "New girls in town", "body": "Young fresh girl, call 98765 43210, no condom extra", "platform": "site1"}


def bearer(store: Store, *scopes: str) -> dict[str, str]:
    token, _ = accounts.create_token(store, "scanner", list(scopes), secret=SECRET.encode(), actor="test")
    return {"Authorization": f"Bearer {token}"}


def test_scan_returns_spans_and_identifiers_and_stores_nothing(client: TestClient, store: Store) -> None:
    got = client.post("/api/v1/scan", json=AD, headers=bearer(store, "scan"))
    assert got.status_code == 200, got.text
    out = got.json()
    text = out["text"]
    phones = [i for i in out["identifiers"] if i["type"] == "phone"]
    assert [p["value"] for p in phones] == ["+919876543210"]
    assert text[phones[0]["start"] : phones[0]["end"]] == phones[0]["raw"]
    assert out["indicators"], out
    for hit in out["indicators"]:
        assert text[hit["start"] : hit["end"]] == hit["text"]
    assert out["risk"] > 0 and out["reasons"]
    assert out["stored"] is False and out["run_id"] is None
    assert store.posts.all_ids() == []


def test_scan_with_store_true_stores_the_post(client: TestClient, store: Store) -> None:
    got = client.post("/api/v1/scan?store=true", json={**AD, "id": "77"}, headers=bearer(store, "scan"))
    assert got.status_code == 200, got.text
    assert got.json()["stored"] is True
    assert store.posts.all_ids() == ["site1/77"]
    again = client.post("/api/v1/scan?store=true", json={**AD, "id": "77"}, headers=bearer(store, "scan"))
    assert again.json()["stored"] is False and again.json()["duplicate"] is True


def test_scan_multipart_with_an_image_file(client: TestClient, store: Store) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buf, format="PNG")
    got = client.post(
        "/api/v1/scan",
        data={"title": "t", "body": "call 98765 43210"},
        files={"image": ("x.png", buf.getvalue(), "image/png")},
        headers=bearer(store, "scan"),
    )
    assert got.status_code == 200, got.text
    image = got.json()["image"]
    assert image["format"] == "PNG" and len(image["sha256"]) == 64
    assert got.json()["bank_matches"] == []


def test_token_without_scan_scope_is_refused(client: TestClient, store: Store) -> None:
    got = client.post("/api/v1/scan", json=AD, headers=bearer(store, "read"))
    assert got.status_code == 403
    assert "scan" in got.json()["detail"]


def test_bad_scans_get_4xx_with_code_and_reason(client: TestClient, store: Store) -> None:
    headers = bearer(store, "scan")
    empty = client.post("/api/v1/scan", json={"title": " ", "body": ""}, headers=headers)
    assert empty.status_code == 422 and empty.json()["detail"]["code"] == "empty_text"
    bad64 = client.post("/api/v1/scan", json={"body": "x", "image": "%%%"}, headers=headers)
    assert bad64.status_code == 422 and bad64.json()["detail"]["code"] == "bad_image"
    junk = base64.b64encode(b"not an image at all").decode()
    bad_image = client.post("/api/v1/scan", json={"body": "x", "image": junk}, headers=headers)
    assert bad_image.status_code == 422 and bad_image.json()["detail"]["code"] == "bad_image"
    malformed = client.post(
        "/api/v1/scan", content=b"{not json", headers={**headers, "content-type": "application/json"}
    )
    assert malformed.status_code == 422 and malformed.json()["detail"]
    private = client.post("/api/v1/scan", json={"body": "x", "image_url": "http://127.0.0.1/a.png"}, headers=headers)
    assert private.status_code == 400 and private.json()["detail"]["code"] in ("bad_url", "private_address")
    huge = client.post("/api/v1/scan", json={"body": "x" * 10_000}, headers=headers)
    assert huge.status_code == 413
