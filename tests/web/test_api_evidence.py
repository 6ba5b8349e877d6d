"""Evidence through the web app: `POST /api/v1/capture` and the post page's Capture form run the capture service
against a local ad site (the app configured with capture_allow_private, as a lab would be); the case's evidence is
listed by `GET /api/v1/cases/{id}/evidence`; failures come back as 422 with the URL and the reason."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from web_helpers import SECRET, SessionFor, cookie_client

from tipwatch.config import Config
from tipwatch.model import Assessment, Post, PostResult
from tipwatch.store.db import open_engine
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
        assert f"Item 2 (<a href=\"/cases/{case['id']}#evidence\">case {case['id']}</a>)" in c.get("/posts/site1/9").text
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
