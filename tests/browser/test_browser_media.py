"""Post pictures in Chromium: a picture is not requested (nor logged as viewed) until the analyst clicks it; the
click loads and shows it (one request, one "media.view" entry), another blurs it (the CSS filter really applies),
another shows it again without a new request (restricted pictures: tests/web/test_web_media.py)."""

from __future__ import annotations

import hashlib
import io
from typing import Any

from browser_helpers import Site, login
from PIL import Image
from playwright.sync_api import Page, expect

from tipwatch.media_model import MediaRecord, PostMedia
from tipwatch.model import Assessment, Post, PostResult


def _add_picture_post(site: Site, post_id: str, name: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (220, 40, 40)).save(buf, format="PNG")
    data = buf.getvalue()
    (site.app.state.config.image_roots[0] / name).write_bytes(data)
    run = site.store.runs.start("test", [], None)
    sink = site.store.runs.sink(run)
    post = Post(id=post_id, source="s", position="line 1", title="SYNTHETIC picture", body="text", platform="pic")
    sink.write([PostResult(post, [], [], Assessment(0.2))])
    site.store.runs.finish(run, sink.counts, "ok")
    record = MediaRecord(name, "ok", sha256=hashlib.sha256(data).hexdigest(), width=64, height=48, format="PNG")
    site.store.media.write_post_media([PostMedia(post_id, [record])])
    return data


def test_a_picture_is_requested_only_when_clicked_then_blurs_and_shows_again(page: Page, site: Site) -> None:
    _add_picture_post(site, "pic/1", "pic1.png")
    login(page, site, "vic", "/posts/pic/1")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/media/" in r.url else None)
    page.reload()
    page.wait_for_load_state("networkidle")
    button = page.locator("button.picture")
    expect(button).to_have_attribute("aria-pressed", "false")
    assert page.locator("button.picture img").count() == 0
    assert requests == [] and _views(site, "pic/1#0") == []  # not looked at: not requested, not logged
    button.click()
    img = page.locator("button.picture img")
    page.wait_for_function("() => document.querySelector('button.picture img')?.naturalWidth === 64")
    assert img.evaluate("el => getComputedStyle(el).filter") == "none"
    expect(button).to_have_attribute("aria-pressed", "true")
    assert requests == [f"{site.base}/media/pic/1/0"]
    [view] = _views(site, "pic/1#0")
    assert view.actor == "user:vic" and view.details["served"] is True
    button.click()
    expect(img).to_have_class("blurred")
    assert "blur" in img.evaluate("el => getComputedStyle(el).filter")
    button.click()
    expect(img).not_to_have_class("blurred")
    assert len(requests) == 1 and len(_views(site, "pic/1#0")) == 1  # shown again without another request


def _views(site: Site, target: str) -> list[Any]:
    return [e for e in site.store.audit.entries() if e.action == "media.view" and e.target == target]
