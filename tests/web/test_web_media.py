"""Post pictures in the workspace over a real store (SQLite, and PostgreSQL when TIPWATCH_TEST_PG_URL is set): a
normal picture is on the page as a placeholder (no <img>, nothing logged until a click asks for it) and is served
with safe headers and an audit entry; a restricted picture, or any picture of a post restricted through another
post's abuse-bank match, is refused (403, no bytes) and gets no <img>; files outside the image folders, symlinks
out, URLs and files changed since analysis are refused with a reason."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from web_helpers import BASE, SECRET, SessionFor, cookie_client

from tipwatch.config import Config, ConfigError, load_config
from tipwatch.media_model import BankMatch, MediaMatch, MediaRecord, PostMedia
from tipwatch.model import Assessment, Post, PostResult
from tipwatch.services import accounts
from tipwatch.services.media_view import MediaViewError, image_bytes
from tipwatch.store.facade import Store
from tipwatch.store.interface.media import NewBank
from tipwatch.web.app import create_app


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> FastAPI:
    (tmp_path / "images").mkdir()
    config = Config(
        database_url=db_url,
        data_dir=tmp_path / "data",
        secret_key=SECRET,  # type: ignore[arg-type]
        image_roots=[tmp_path / "images"],
    )
    return create_app(config)


def _png(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buf, format="PNG")
    return buf.getvalue()


def _record(ref: str, data: bytes, *, restricted: bool = False) -> MediaRecord:
    sha = hashlib.sha256(data).hexdigest()
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    return MediaRecord(ref, "ok", sha256=sha, md5=md5, width=32, height=24, format="PNG", restricted=restricted)


def _posts(store: Store, ids: list[str]) -> None:
    run = store.runs.start("test", [], None)
    sink = store.runs.sink(run)
    posts = [
        Post(id=i, source="s", position=f"line {n}", title="SYNTHETIC", body="text", platform="p")
        for n, i in enumerate(ids)
    ]
    sink.write([PostResult(p, [], [], Assessment(0.5)) for p in posts])
    store.runs.finish(run, sink.counts, "ok")


@pytest.fixture
def corpus(store: Store, tmp_path: Path) -> dict[str, bytes]:
    """p/clean: one normal picture; p/abuse: a picture matched in an abuse-material bank; p/via: the same file as
    p/abuse (restricted through it) and a clean one; p/bad: a path out, a symlink out, a changed file and an URL."""
    images = tmp_path / "images"
    clean, abuse, other, outside = _png((200, 30, 30)), _png((1, 2, 3)), _png((30, 200, 30)), _png((9, 9, 9))
    (images / "clean.png").write_bytes(clean)
    (images / "abuse.png").write_bytes(abuse)
    (images / "other.png").write_bytes(other)
    (tmp_path / "outside.png").write_bytes(outside)
    (images / "link.png").symlink_to(tmp_path / "outside.png")
    (images / "changed.png").write_bytes(_png((50, 50, 50)))
    _posts(store, ["p/clean", "p/abuse", "p/via", "p/bad"])
    bank = store.banks.create_bank(NewBank("abuse-bank", "s", "l", signal_types=["md5"], is_abuse_material=True))
    abuse_rec = _record("abuse.png", abuse, restricted=True)
    hit = BankMatch(bank.id, bank.name, 1, "md5", 0, "exact", True)
    store.media.write_post_media(
        [
            PostMedia("p/clean", [_record("clean.png", clean)]),
            PostMedia("p/abuse", [abuse_rec], [MediaMatch("abuse.png", abuse_rec.sha256, hit)]),
            # Not flagged here: the same file's match through p/abuse restricts this post (and its other picture).
            PostMedia("p/via", [_record("other.png", other), _record("abuse.png", abuse)]),
            PostMedia(
                "p/bad",
                [
                    _record("../outside.png", outside),
                    _record("link.png", outside),
                    _record("changed.png", _png((50, 50, 50))),
                    _record("http://127.0.0.1:9/clean.png", clean),
                    _record(str(tmp_path / "outside.png"), outside),
                ],
            ),
        ]
    )
    (images / "changed.png").write_bytes(_png((51, 50, 50)))  # edited on disk after analysis
    return {"clean": clean, "abuse": abuse, "other": other}


def _viewer(app: FastAPI, session_for: SessionFor) -> TestClient:
    session_id, _csrf = session_for("viewer")
    return cookie_client(app, session_id)


def test_a_normal_picture_waits_for_a_click_and_is_served_with_safe_headers_and_audited(
    app: FastAPI, store: Store, session_for: SessionFor, users: dict[str, accounts.User], corpus: dict[str, bytes]
) -> None:
    client = _viewer(app, session_for)
    page = client.get("/posts/p/clean")
    assert page.status_code == 200
    # No <img> and no picture request until the analyst clicks (app.js swaps data-src in): nothing is logged yet.
    assert "<img" not in page.text and 'data-src="/media/p/clean/0"' in page.text
    assert [e for e in store.audit.entries() if e.action == "media.view"] == []
    got = client.get("/media/p/clean/0")
    assert got.status_code == 200 and got.content == corpus["clean"]
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["cache-control"] == "private, no-store"
    assert got.headers["content-disposition"] == "inline"
    entries = [(e.actor, e.action, e.target, e.details) for e in store.audit.entries() if e.action == "media.view"]
    assert entries == [
        (
            "user:viewer",
            "media.view",
            "p/clean#0",
            {
                "served": True,
                "sha256": hashlib.sha256(corpus["clean"]).hexdigest(),
                "content_type": "image/png",
                "bytes": len(corpus["clean"]),
            },
        )
    ]
    assert client.get("/media/p/clean/1").status_code == 404  # no second picture


def test_an_anonymous_browser_is_sent_to_login_and_gets_no_bytes(
    app: FastAPI, store: Store, corpus: dict[str, bytes]
) -> None:
    anonymous = TestClient(app, base_url=BASE)
    got = anonymous.get("/media/p/clean/0", follow_redirects=False)
    assert got.status_code == 303 and got.headers["location"].startswith("/login?next=")
    assert corpus["clean"] not in got.content
    assert [e for e in store.audit.entries() if e.action == "media.view"] == []


def test_a_restricted_picture_is_refused_and_has_no_img(
    app: FastAPI, store: Store, session_for: SessionFor, users: dict[str, accounts.User], corpus: dict[str, bytes]
) -> None:
    client = _viewer(app, session_for)
    page = client.get("/posts/p/abuse")
    assert page.status_code == 200
    assert "<img" not in page.text and "/media/" not in page.text and "data-src" not in page.text
    assert "withheld: matched an abuse-material bank" in page.text
    assert hashlib.sha256(corpus["abuse"]).hexdigest() in page.text  # the hash is still shown
    got = client.get("/media/p/abuse/0")
    assert got.status_code == 403 and corpus["abuse"] not in got.content
    assert got.json()["detail"] == "withheld: matched an abuse-material bank"
    [entry] = [e for e in store.audit.entries() if e.action == "media.view"]
    assert (entry.target, entry.details["served"], entry.details["status"]) == ("p/abuse#0", False, 403)


def test_every_picture_of_a_post_restricted_through_another_post_is_refused(
    app: FastAPI, store: Store, session_for: SessionFor, users: dict[str, accounts.User], corpus: dict[str, bytes]
) -> None:
    assert store.media.is_restricted_post("p/via")
    client = _viewer(app, session_for)
    page = client.get("/posts/p/via")
    assert page.status_code == 200 and "<img" not in page.text and "data-src" not in page.text
    assert page.text.count("withheld: matched an abuse-material bank") == 2
    for index, data in ((0, corpus["other"]), (1, corpus["abuse"])):
        got = client.get(f"/media/p/via/{index}")
        assert got.status_code == 403 and data not in got.content
    # The service refuses the same way without the web layer.
    with pytest.raises(MediaViewError) as refused:
        image_bytes(store, "p/via", 0, list(app.state.config.image_roots))
    assert refused.value.status == 403


@pytest.mark.parametrize(
    ("index", "status", "reason"),
    [
        (0, 404, "image path leaves the input folder"),
        (1, 404, "image path leaves the input folder"),  # a symlink inside the folder pointing out
        (2, 409, "changed on disk"),
        (3, 404, "not a local file"),
        (4, 404, "image path leaves the input folder"),  # an absolute path
    ],
)
def test_files_out_of_the_folders_urls_and_changed_files_are_refused_with_a_reason(
    app: FastAPI,
    store: Store,
    session_for: SessionFor,
    users: dict[str, accounts.User],
    corpus: dict[str, bytes],
    tmp_path: Path,
    index: int,
    status: int,
    reason: str,
) -> None:
    client = _viewer(app, session_for)
    got = client.get(f"/media/p/bad/{index}")
    assert got.status_code == status and reason in got.json()["detail"]
    assert not got.headers["content-type"].startswith("image/")
    assert (tmp_path / "outside.png").read_bytes() not in got.content


def test_a_file_that_is_not_a_served_image_format_is_refused(store: Store, tmp_path: Path, app: FastAPI) -> None:
    images = tmp_path / "images"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    (images / "x.png").write_bytes(svg)
    _posts(store, ["p/svg"])
    store.media.write_post_media([PostMedia("p/svg", [_record("x.png", svg)])])
    with pytest.raises(MediaViewError) as refused:
        image_bytes(store, "p/svg", 0, [images])
    assert refused.value.status == 415


def test_image_roots_must_be_existing_folders(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="image_roots"):
        load_config(None, image_roots=[tmp_path / "missing"], data_dir=tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="not a folder"):
        load_config(None, image_roots=[tmp_path / "file"], data_dir=tmp_path)
    assert load_config(None, image_roots=[tmp_path], data_dir=tmp_path).image_roots == [tmp_path.resolve()]


def test_a_file_over_the_size_cap_is_refused(
    app: FastAPI, store: Store, session_for: SessionFor, users: dict[str, accounts.User], corpus: dict[str, bytes]
) -> None:
    roots = list(app.state.config.image_roots)
    with pytest.raises(MediaViewError) as refused:
        image_bytes(store, "p/clean", 0, roots, max_bytes=len(corpus["clean"]) - 1)
    assert refused.value.status == 404 and "too large" in refused.value.reason
    data, content_type = image_bytes(store, "p/clean", 0, roots, max_bytes=len(corpus["clean"]))
    assert (data, content_type) == (corpus["clean"], "image/png")
