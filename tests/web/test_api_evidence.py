"""Evidence through the web app: `POST /api/v1/capture` and the post page's Capture form run the capture service
against a local ad site (the app configured with capture_allow_private, as a lab would be); the case's evidence is
listed by `GET /api/v1/cases/{id}/evidence` and on the case page; failures come back as 422 with the URL and the
reason. The case page and the API export the signed bundle (verified here with the CLI's function); the verify
page checks an uploaded bundle and refuses hostile ones before unpacking them."""

from __future__ import annotations

import io
import os
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_helpers import SECRET, SessionFor, cookie_client

from tipwatch.config import Config
from tipwatch.model import Assessment, Post, PostResult
from tipwatch.services import audit, evidence
from tipwatch.store.db import open_engine
from tipwatch.store.facade import Store
from tipwatch.store.writer import PostWriter, finish_run, start_run
from tipwatch.web.app import create_app
from tipwatch.web.auth import CSRF_HEADER

# The local ad site is shared with tests/evidence (run alone, this folder is not on the path).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evidence"))
from evidence_site import Site, serve

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no Chromium at /usr/bin/chromium")


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serve() as s:
        yield s


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> FastAPI:
    config = Config(
        database_url=db_url,
        data_dir=tmp_path / "data",
        secret_key=SECRET,  # type: ignore[arg-type]
        capture_allow_private=True,
    )
    return create_app(config)


def _post_with_url(db_url: str, url: str) -> None:
    engine = open_engine(db_url)
    run = start_run(engine, "test", [], None)
    writer = PostWriter(engine, run)
    post = Post(id="site1/9", source="s", position="line 1", title="New in town", body="call", url=url)
    writer.write([PostResult(post, [], [], Assessment(0.7))])
    finish_run(engine, run, writer.counts, "ok")
    engine.dispose()


def test_capture_from_the_api_and_the_post_page(app: FastAPI, session_for: SessionFor, site: Site, db_url: str) -> None:
    _post_with_url(db_url, site.url("/ad/1"))
    sid, csrf = session_for("analyst")
    with cookie_client(app, sid) as c:
        c.headers[CSRF_HEADER] = csrf
        case = c.post("/api/v1/cases", json={"title": "Ring"}).json()
        done = c.post("/api/v1/capture", json={"url": site.url("/ad/2"), "case_id": case["id"], "purpose": "ad"})
        assert done.status_code == 201, done.text
        item = done.json()
        assert item["final_url"] == site.url("/ad/2") and item["captured_by"] == "user:analyst"
        assert item["ip"] == "127.0.0.1" and item["post_id"] is None and item["purpose"] == "ad"

        bad = c.post("/api/v1/capture", json={"url": site.url("/data.json"), "case_id": case["id"]})
        assert bad.status_code == 422
        assert bad.json()["detail"]["reason"].startswith(site.url("/data.json") + ": not an HTML page")
        assert c.post("/api/v1/capture", json={"url": site.url("/ad/1"), "case_id": 999}).status_code == 404

        # The post page's form: captures the post's URL, then back to the post, which lists it.
        page = c.get("/posts/site1/9")
        assert 'action="/evidence/capture"' in page.text and "Not captured yet." in page.text
        form = {"csrf_token": csrf, "post_id": "site1/9", "case_id": str(case["id"]), "purpose": "the ad"}
        del c.headers[CSRF_HEADER]  # the form's own token is what the page sends
        moved = c.post("/evidence/capture", data=form, follow_redirects=False)
        assert moved.status_code == 303 and moved.headers["location"] == "/posts/site1/9"
        assert f'Item 2 (<a href="/cases/{case["id"]}#evidence">case {case["id"]}</a>)' in c.get("/posts/site1/9").text
        failed = c.post("/evidence/capture", data={**form, "case_id": "999"})
        assert failed.status_code == 404 and "Not captured: no case 999" in failed.text
        c.headers[CSRF_HEADER] = csrf

        listed = c.get(f"/api/v1/cases/{case['id']}/evidence").json()["items"]
        assert [(i["id"], i["post_id"]) for i in listed] == [(1, None), (2, "site1/9")]
        assert c.get("/api/v1/cases/999/evidence").status_code == 404


def test_private_addresses_are_refused_by_default(
    db_url: str, tmp_path: Path, site: Site, session_for: SessionFor, app: FastAPI
) -> None:
    config = Config(database_url=db_url, data_dir=tmp_path / "d2", secret_key=SECRET)  # type: ignore[arg-type]
    strict = create_app(config)
    sid, csrf = session_for("analyst")
    with cookie_client(strict, sid) as c:
        c.headers[CSRF_HEADER] = csrf
        case = c.post("/api/v1/cases", json={"title": "x"}).json()
        done = c.post("/api/v1/capture", json={"url": site.url("/ad/1"), "case_id": case["id"]})
        assert done.status_code == 422 and "loopback" in done.json()["detail"]["reason"]
    strict.state.store.close()


def _captured_case(app: FastAPI, c: TestClient, site: Site, db_url: str) -> int:
    """A case holding one capture of the post site1/9 (the ad at /ad/1)."""
    _post_with_url(db_url, site.url("/ad/1"))
    case = c.post("/api/v1/cases", json={"title": "Ring"}).json()
    done = c.post("/api/v1/capture", json={"url": site.url("/ad/1"), "case_id": case["id"], "purpose": "ad"})
    assert done.status_code == 201, done.text
    return int(case["id"])


def test_the_case_page_lists_evidence_and_exports_the_bundle(
    app: FastAPI, session_for: SessionFor, site: Site, db_url: str, tmp_path: Path
) -> None:
    store: Store = app.state.store
    sid, csrf = session_for("analyst")
    with cookie_client(app, sid) as c:
        c.headers[CSRF_HEADER] = csrf
        case_id = _captured_case(app, c, site, db_url)
        (item,) = store.evidence.items(case_id)
        page = c.get(f"/cases/{case_id}").text
        # Kind, URL, capture time, every file's SHA-256, the operator, the custody events.
        for a in store.evidence.artifacts(item.id):
            assert f'data-kind="{a.kind}"' in page and a.sha256 in page
        assert site.url("/ad/1") in page and "user:analyst" in page
        assert item.captured_at.strftime("%Y-%m-%d %H:%M:%S UTC") in page
        assert 'data-action="captured"' in page and 'action="/cases/' in page and "Export bundle" in page

        del c.headers[CSRF_HEADER]  # the page's form sends its own token
        got = c.post(f"/cases/{case_id}/evidence/export", data={"csrf_token": csrf, "why": "for the court"})
        assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
        assert f'filename="case-{case_id}-evidence.wacz"' in got.headers["content-disposition"]
        bundle = tmp_path / "got.wacz"
        bundle.write_bytes(got.content)
        key = tmp_path / "pub.pem"
        key.write_text(evidence.public_key_pem(app.state.config.data_dir))
        verdict = evidence.verify_bundle(bundle, key)
        assert verdict.ok and verdict.key_source == "given", verdict.failure
        assert [e.action for e in store.evidence.events(item.id)] == ["captured", "exported"]
        assert store.evidence.events(item.id)[-1].why == "for the court"
        assert any(e.action == "evidence.export" and e.target == f"case:{case_id}" for e in audit.entries(store))
        assert 'data-action="exported"' in c.get(f"/cases/{case_id}").text
        assert not list(app.state.config.data_dir.glob(".download-*"))  # the scratch folder went with the answer

        # The case export for an authority: HTML as a download, JSON with the bundle as one ZIP; a bad format is said.
        full = {"csrf_token": csrf, "level": "full", "why": "referral"}
        html = c.post(f"/cases/{case_id}/export", data={**full, "format": "html"})
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
        assert f'filename="case-{case_id}.html"' in html.headers["content-disposition"]
        assert f"Case {case_id}: Ring" in html.text and "script-src &#39;none&#39;" in html.text
        assert item.url in html.text  # the evidence item, with its files' hashes
        # Redacted (the form's default): the captured page's address is masked; no bundle beside a redacted document.
        masked = c.post(f"/cases/{case_id}/export", data={"csrf_token": csrf, "format": "json"})
        assert masked.status_code == 200 and item.url not in masked.text and '"redacted"' in masked.text
        lone = c.post(f"/cases/{case_id}/export", data={"csrf_token": csrf, "format": "json", "with_bundle": "true"})
        assert lone.status_code == 422 and "only to a full export" in lone.text
        packed = c.post(f"/cases/{case_id}/export", data={**full, "format": "json", "with_bundle": "true"})
        assert packed.status_code == 200 and packed.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(packed.content)) as zf:
            assert sorted(zf.namelist()) == [f"case-{case_id}-evidence.wacz", f"case-{case_id}.json"]
            doc = orjson.loads(zf.read(f"case-{case_id}.json"))
            with zipfile.ZipFile(io.BytesIO(zf.read(f"case-{case_id}-evidence.wacz"))) as wacz:
                digest = orjson.loads(wacz.read("datapackage-digest.json"))["hash"]
        # The document names the bundle it goes with, by file and manifest digest.
        assert doc["evidence_bundle"]["file"] == f"case-{case_id}-evidence.wacz"
        assert f"sha256:{doc['evidence_bundle']['manifest_sha256']}" == digest
        bad = c.post(f"/cases/{case_id}/export", data={"csrf_token": csrf, "format": "docx"})
        assert bad.status_code == 422 and "format must be one of json, html, pdf" in bad.text

        # The API route gives the same bundle format; a case without evidence is a conflict, not an empty file.
        c.headers[CSRF_HEADER] = csrf
        api = c.post(f"/api/v1/cases/{case_id}/evidence/export", params={"why": "api"})
        assert api.status_code == 200 and api.content.startswith(b"PK")
        empty = c.post("/api/v1/cases", json={"title": "Nothing yet"}).json()
        refused = c.post(f"/api/v1/cases/{empty['id']}/evidence/export")
        assert refused.status_code == 409 and "holds no evidence" in refused.json()["detail"]["reason"]
        assert c.post("/api/v1/cases/999/evidence/export").status_code == 404

    # A viewer sees the case but not its evidence (as the evidence API, which needs an analyst).
    vid, _ = session_for("viewer")
    with cookie_client(app, vid) as c:
        page = c.get(f"/cases/{case_id}").text
        assert "case-evidence" not in page and "Export bundle" not in page


def _rewrite(src: Path, dst: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, change(data) if info.filename == name else data)
    return dst


def test_the_verify_page_names_the_first_failing_item(
    app: FastAPI, session_for: SessionFor, site: Site, db_url: str, tmp_path: Path
) -> None:
    store: Store = app.state.store
    sid, csrf = session_for("analyst")
    with cookie_client(app, sid) as c:
        c.headers[CSRF_HEADER] = csrf
        case_id = _captured_case(app, c, site, db_url)
        good = tmp_path / "good.wacz"
        good.write_bytes(c.post(f"/api/v1/cases/{case_id}/evidence/export").content)
        del c.headers[CSRF_HEADER]

        def upload(path: Path) -> Any:
            with path.open("rb") as f:
                return c.post("/evidence/verify", data={"csrf_token": csrf}, files={"bundle": (path.name, f)})

        assert "Verify an evidence bundle" in c.get("/evidence/verify").text
        ok = upload(good)
        assert ok.status_code == 200 and 'data-ok="true"' in ok.text and "Verified: good.wacz" in ok.text
        bad = _rewrite(good, tmp_path / "bad.wacz", "evidence/item-1/page.html", lambda d: d.replace(b"555", b"556"))
        failed = upload(bad)
        assert 'data-ok="false"' in failed.text
        assert "evidence/item-1/page.html: its SHA-256 or size does not match the manifest" in failed.text
        junk = tmp_path / "junk.wacz"
        junk.write_bytes(b"<script>alert(1)</script>")
        answer = upload(junk)
        assert "not a readable ZIP/WACZ file" in answer.text and "<script>alert(1)" not in answer.text
        results = [e.details["ok"] for e in audit.entries(store) if e.action == "evidence.verify"]
        assert results == [True, False, False]
        assert not list(app.state.config.data_dir.glob(".download-*"))  # nothing of an upload is kept


def test_a_hostile_upload_is_refused_before_it_is_unpacked(
    db_url: str, tmp_path: Path, session_for: SessionFor, app: FastAPI
) -> None:
    config = Config(
        database_url=db_url,
        data_dir=tmp_path / "d3",
        secret_key=SECRET,  # type: ignore[arg-type]
        max_request_bytes=2048,
        max_bundle_upload_bytes=20_000,
    )
    small = create_app(config)
    sid, csrf = session_for("analyst")
    bomb = tmp_path / "bomb.wacz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("datapackage.json", b"\0" * 200_000)  # 10 times what 20 kB may unpack to; ~200 bytes packed
    big = tmp_path / "big.wacz"
    big.write_bytes(os.urandom(30_000))
    with cookie_client(small, sid) as c:

        def upload(path: Path) -> Any:
            with path.open("rb") as f:
                return c.post("/evidence/verify", data={"csrf_token": csrf}, files={"bundle": (path.name, f)})

        # The bundle path takes more than the body limit of other requests, and no more than its own.
        answer = upload(bomb)
        assert answer.status_code == 200
        assert "bomb.wacz: unpacks to 200000 bytes, more than the 100000 allowed" in answer.text
        assert upload(big).status_code == 413
        assert c.post("/cases", data={"csrf_token": csrf, "title": "x" * 3000}).status_code == 413
