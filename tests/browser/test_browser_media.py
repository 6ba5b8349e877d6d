"""Post pictures in Chromium: a picture starts blurred (the CSS filter really applies), a click shows it, another
click blurs it again; the view is audited (restricted pictures: tests/web/test_web_media.py)."""

from __future__ import annotations

import hashlib
import io

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


def test_a_picture_starts_blurred_and_a_click_shows_it(page: Page, site: Site) -> None:
    _add_picture_post(site, "pic/1", "pic1.png")
    login(page, site, "vic", "/posts/pic/1")
    img = page.locator("button.picture img")
    expect(img).to_have_class("blurred")
    page.wait_for_function("() => document.querySelector('button.picture img').naturalWidth === 64")
    assert "blur" in img.evaluate("el => getComputedStyle(el).filter")
    page.click("button.picture")
    expect(img).not_to_have_class("blurred")
    assert img.evaluate("el => getComputedStyle(el).filter") == "none"
    assert page.locator("button.picture").get_attribute("aria-pressed") == "true"
    page.click("button.picture")
    expect(img).to_have_class("blurred")
    views = [e for e in site.store.audit.entries() if e.action == "media.view" and e.target == "pic/1#0"]
    assert views and views[-1].actor == "user:vic" and views[-1].details["served"] is True
