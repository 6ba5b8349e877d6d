"""The whole loop of issue 11 in Chromium, as people do it, against real servers on 127.0.0.1: an ad site, an SMTP
server (aiosmtpd) and the app (uvicorn). An analyst opens a post whose URL is on the ad site, captures it into a new
case, opens the case, exports the evidence bundle (checked with the CLI's verify function and the installation's
public key) and the case as PDF with the bundle, drafts a takedown notice; the drafter is refused the approval; a
supervisor approves and sends it (the mail arrives); the ad is taken down; the re-check marks the notice removed
with a time to removal. No page raises a CSP violation."""

from __future__ import annotations

import os
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from browser_helpers import PASSWORD, login, serve_app
from playwright.sync_api import Browser, ConsoleMessage, Page

from tipwatch.config import Config
from tipwatch.model import Assessment, IndicatorHit, Post, PostResult
from tipwatch.services import accounts, evidence
from tipwatch.store.facade import Store
from tipwatch.web.app import create_app

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "evidence"))
sys.path.insert(0, str(TESTS / "notices"))
from evidence_site import Site as AdSite  # noqa: E402
from evidence_site import serve  # noqa: E402
from notice_helpers import Mailbox, local_settings, smtp_server  # noqa: E402

SLOW = 180_000  # ms: a capture drives a second Chromium, on a loaded machine
POST_ID = "adsite/1"


@dataclass
class Loop:
    base: str
    store: Store
    data_dir: Path
    ads: AdSite
    mailbox: Mailbox


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loop]:
    tmp = tmp_path_factory.mktemp("loop")
    with serve() as ads, smtp_server() as (box, port):
        notices = local_settings(
            tmp, webhook=ads.url("/hook"), smtp_port=port, notifier_name="Anti-trafficking unit", recheck_timeout=10
        )
        config = Config(
            database_url=f"sqlite:///{tmp / 'store.db'}",
            data_dir=tmp / "data",
            secret_key="l" * 40,  # type: ignore[arg-type]
            plain_http_loopback=True,
            capture_allow_private=True,
            notices=notices,  # type: ignore[arg-type]
        )
        app = create_app(config)
        store: Store = app.state.store
        run = store.runs.start("test", [], None)
        sink = store.runs.sink(run)
        title, body = "New in town", "call 555 0101, no limit"
        hit = IndicatorHit("no_limit", "services", 1.5, len(title) + 18, len(title) + 26, "no limit")
        post = Post(id=POST_ID, source="s", position="line 1", title=title, body=body, url=ads.url("/ad/1"))
        sink.write([PostResult(post, [], [hit], Assessment(0.8))])
        store.runs.finish(run, sink.counts, "ok")
        for name, role in {"ana": "analyst", "sue": "supervisor"}.items():
            accounts.add_user(store, name, PASSWORD, role=role, actor="test")
        with serve_app(app) as base:
            yield Loop(base, store, config.data_dir, ads, box)
        store.close()


def _watch(page: Page) -> list[str]:
    """Console messages that would mean the page broke its policy (or ran a dialog from injected script)."""
    bad: list[str] = []
    page.on(
        "console",
        lambda m: bad.append(m.text) if isinstance(m, ConsoleMessage) and "Content Security" in m.text else None,
    )
    page.on("dialog", lambda d: bad.append("dialog " + d.message))
    return bad


def _mail(box: Mailbox) -> Message:
    (mail_from, rcpt, raw), *_ = box.messages
    msg = message_from_bytes(raw)
    assert rcpt == ["abuse@adsite.test"] and mail_from == "unit@example.org"
    return msg


def test_find_capture_export_verify_notice_until_removal(browser: Browser, loop: Loop, tmp_path: Path) -> None:
    analyst = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = analyst.new_page()
    page.set_default_timeout(30_000)
    bad = _watch(page)

    # Find the post and capture it into a new case.
    login(page, loop, "ana", f"/posts/{POST_ID}")
    assert "Not captured yet." in page.content()
    form = page.locator("form.capture-form")
    form.locator("select[name=case_id]").select_option("")
    form.locator("input[name=new_case]").fill("Ring on the ad site")
    form.locator("input[name=purpose]").fill("ad of the ring")
    with page.expect_navigation(timeout=SLOW):
        form.get_by_role("button", name="Capture").click()
    item_line = page.locator("ul.evidence li").first
    assert "Item 1" in item_line.inner_text() and "by user:ana" in item_line.inner_text()

    # Open the case: the item, its files' hashes, its custody.
    item_line.get_by_role("link").click()
    page.wait_for_url(f"{loop.base}/cases/1#evidence")
    (item,) = loop.store.evidence.items(1)
    shown = page.locator(f".evidence-item[data-item-id='{item.id}']")
    assert shown.locator(".evidence-url").first.inner_text() == loop.ads.url("/ad/1")
    assert shown.locator(".operator").inner_text() == "user:ana"
    hashes = shown.locator("code.sha256").all_inner_texts()
    assert sorted(hashes) == sorted(a.sha256 for a in loop.store.evidence.artifacts(item.id))
    assert shown.locator(".custody-event").all_inner_texts()[0].endswith("captured by user:ana: ad of the ring")

    # Export the bundle and verify it as anyone would, with the installation's public key.
    page.locator("form.bundle-form input[name=why]").fill("for the prosecutor")
    with page.expect_download(timeout=SLOW) as got:
        page.get_by_role("button", name="Export bundle").click()
    bundle = tmp_path / got.value.suggested_filename
    got.value.save_as(bundle)
    key = tmp_path / "public.pem"
    key.write_text(evidence.public_key_pem(loop.data_dir))
    verdict = evidence.verify_bundle(bundle, key)
    assert verdict.ok and verdict.key_source == "given", verdict.failure
    assert bundle.name == "case-1-evidence.wacz"

    # The case for an authority: a PDF with the bundle, in one ZIP.
    page.goto(f"{loop.base}/cases/1")
    export = page.locator("form.export-form")
    export.locator("select[name=format]").select_option("pdf")
    export.locator("select[name=level]").select_option("full")
    export.locator("input[name=why]").fill("referral to the anti-trafficking unit")
    export.locator("input[name=with_bundle]").check()
    with page.expect_download(timeout=SLOW) as got:
        export.get_by_role("button", name="Export case").click()
    packed = tmp_path / got.value.suggested_filename
    got.value.save_as(packed)
    with zipfile.ZipFile(packed) as zf:
        assert sorted(zf.namelist()) == ["case-1-evidence.wacz", "case-1.pdf"]
        assert zf.read("case-1.pdf").startswith(b"%PDF-")
        (tmp_path / "attached.wacz").write_bytes(zf.read("case-1-evidence.wacz"))
    assert evidence.verify_bundle(tmp_path / "attached.wacz", key).ok

    # Check the downloaded bundle on the verify page too.
    page.goto(f"{loop.base}/evidence/verify")
    page.locator("input[type=file]").set_input_files(str(bundle))
    page.get_by_role("button", name="Verify").click()
    assert page.locator(".verify-result").get_attribute("data-ok") == "true"

    # Draft the notice from the post page.
    page.goto(f"{loop.base}/posts/{POST_ID}")
    page.get_by_role("button", name="Draft notice").click()
    page.wait_for_url(f"{loop.base}/notices/draft")
    assert "Drafted #1 to Ad Site" in page.locator(".notices-message").inner_text()
    row = page.locator("tr[data-notice-id='1']")
    assert row.locator(".notice-state").inner_text() == "draft"
    # The drafter cannot approve: no button, and a post of the form anyway is refused.
    assert row.get_by_role("button", name="Approve").count() == 0
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    refused = page.request.post(f"{loop.base}/notices/1/approve", form={"csrf_token": token}, max_redirects=0)
    assert refused.status == 403
    assert loop.store.notices.get(1).state == "draft"  # type: ignore[union-attr]

    # A supervisor approves and sends it.
    supervisor = browser.new_context(viewport={"width": 1280, "height": 900})
    sup = supervisor.new_page()
    sup.set_default_timeout(30_000)
    bad += _watch(sup)
    login(sup, loop, "sue", "/notices")
    row = sup.locator("tr[data-notice-id='1']")
    row.get_by_role("button", name="Approve").click()
    sup.wait_for_url(f"{loop.base}/notices")
    assert row.locator(".notice-state").inner_text() == "approved"
    row.get_by_role("button", name="Send").click()
    sup.wait_for_url(f"{loop.base}/notices")
    assert row.locator(".notice-state").inner_text() == "sent"
    mail = _mail(loop.mailbox)
    text = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert loop.ads.url("/ad/1") in text and "Anti-trafficking unit" in text

    # Still up: the re-check changes nothing. Taken down: the re-check marks it removed, with the time.
    sup.get_by_role("button", name="Re-check now").click()
    assert "0 notice(s) removed" in sup.locator(".notices-message").inner_text()
    assert sup.locator("tr[data-notice-id='1'] .notice-state").inner_text() == "sent"
    loop.ads.pages.pop("/ad/1")
    sup.get_by_role("button", name="Re-check now").click()
    assert "1 notice(s) removed" in sup.locator(".notices-message").inner_text()
    row = sup.locator("tr[data-notice-id='1']")
    assert row.locator(".notice-state").inner_text() == "removed"
    assert "HTTP 404" in row.locator(".check-result").inner_text()
    notice = loop.store.notices.get(1)
    assert notice is not None and notice.sent_at is not None and notice.closed_at is not None
    hours = (notice.closed_at - notice.sent_at).total_seconds() / 3600
    assert float(row.locator(".hours").inner_text()) == round(hours, 2)

    # The case page shows the notice's end too; nothing broke the policy anywhere. Both pages fit 1280 px, and are
    # the README's screenshots (TIPWATCH_SCREENSHOTS=docs/screenshots).
    shots = Path(os.environ.get("TIPWATCH_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    sup.screenshot(path=str(shots / "notices.png"), full_page=False)
    page.goto(f"{loop.base}/cases/1#evidence")
    assert "removed" in page.locator(".case-notice").inner_text()
    for shown in (page, sup):
        assert shown.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=str(shots / "case-evidence.png"), full_page=False)
    assert (shots / "case-evidence.png").stat().st_size > 10_000
    assert not bad, bad
    analyst.close()
    supervisor.close()
