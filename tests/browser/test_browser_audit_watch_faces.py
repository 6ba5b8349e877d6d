"""The audit, watchlists and face search pages in Chromium: a supervisor checks the audit chain; an analyst watches a
phone written one way and sees the alert for a post that writes it another way; face search is only for users
holding the permission (no nav entry and 403 for the others) and says its candidates are leads, not identifications."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from browser_helpers import PASSWORD, Site, login
from PIL import Image
from playwright.sync_api import Page, expect

from tipwatch.services import accounts

FACE_USER = "fay"


@pytest.fixture(scope="module")
def face_user(site: Site) -> str:
    """An analyst holding the face-search permission (the shared users hold none)."""
    accounts.add_user(site.store, FACE_USER, PASSWORD, role="analyst", face_search=True, actor="test")
    return FACE_USER


def test_a_supervisor_sees_the_audit_log_and_an_intact_chain(page: Page, site: Site) -> None:
    login(page, site, "sue")
    page.click("nav a[href='/audit']")
    page.wait_for_url(site.base + "/audit")
    expect(page.locator("h1")).to_have_text("Audit log")
    rows = page.locator("tr.entry")
    assert rows.count() > 0
    seqs = [int(s) for s in rows.evaluate_all("rows => rows.map(r => r.dataset.seq)")]
    assert seqs == sorted(seqs, reverse=True) and seqs[0] == site.store.audit.count()
    page.click("form.verify button[type=submit]")
    expect(page.locator(".verdict-ok")).to_contain_text("Chain intact")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # Filter by the supervisor's own sign-in.
    page.fill("form.filters input[name=actor]", "user:sue")
    page.fill("form.filters input[name=action]", "auth.login")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"/audit\?actor=user%3Asue&action=auth.login"))
    actors = page.locator("tr.entry td:nth-child(3)").all_inner_texts()
    assert actors and set(actors) == {"user:sue"}


def test_an_analyst_watches_a_phone_and_sees_the_alert_written_another_way(page: Page, site: Site) -> None:
    written_one_way, other_post = "+91 99001 22334", site.corpus.phone_ids[1]  # that post writes 9900122334
    login(page, site, "ana")
    page.click("nav a[href='/watchlists']")
    page.wait_for_url(site.base + "/watchlists")
    page.select_option("form.watch-add select[name=kind]", "phone")
    page.fill("form.watch-add input[name=value]", written_one_way)
    page.fill("form.watch-add input[name=note]", "browser test tip")
    page.click("form.watch-add button[type=submit]")
    expect(page.locator(".notice")).to_contain_text("watching phone +919900122334")
    expect(page.locator("table.watches")).to_contain_text("+919900122334")
    alert = page.locator(f"tr.alert-row[data-post-id='{other_post}']")
    expect(alert).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    alert.locator("a").click()
    page.wait_for_url(f"{site.base}/posts/{other_post}")
    expect(page.locator("article.post .text")).to_contain_text("9900122334")
    assert any(e.action == "watch.add" and e.actor == "user:ana" for e in site.store.audit.entries())


def test_face_search_only_with_the_permission(page: Page, site: Site, face_user: str, tmp_path: Path) -> None:
    login(page, site, "ana")
    assert page.locator("nav a[href='/faces']").count() == 0
    assert page.locator("nav a[href='/audit']").count() == 0  # nor the audit page, below supervisor
    assert page.request.get(site.base + "/faces", max_redirects=0).status == 403
    page.context.clear_cookies()
    login(page, site, face_user)
    page.click("nav a[href='/faces']")
    page.wait_for_url(site.base + "/faces")
    expect(page.locator("p.lead-note").first).to_contain_text("not an identification")
    photo = tmp_path / "no-face.png"
    buf = io.BytesIO()
    Image.new("RGB", (200, 160), (90, 140, 200)).save(buf, format="PNG")
    photo.write_bytes(buf.getvalue())
    page.set_input_files("form.face-search input[name=photo]", str(photo))
    page.fill("form.face-search input[name=purpose]", "missing person report MP-7")
    page.fill("form.face-search input[name=legal_basis]", "police act s.12")
    page.click("form.face-search button[type=submit]")
    expect(page.locator("section.face-results")).to_contain_text("No face was found")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    logged = [e for e in site.store.audit.entries() if e.action == "face.search"]
    assert logged and logged[-1].actor == f"user:{face_user}" and logged[-1].why == "missing person report MP-7"
    assert page.locator("img").count() == 0  # the uploaded photo is not shown back (nor kept)
