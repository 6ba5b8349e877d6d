"""The /notices page in Chromium: a supervisor approves an analyst's draft with the button (a form post with the
CSRF token, no script needed); the analyst sees no button; the page raises no CSP violation."""

from __future__ import annotations

from datetime import UTC, datetime

from browser_helpers import Site, login
from playwright.sync_api import ConsoleMessage, Page

from tipwatch.store.interface.notices import NoticeDraft


def _draft(site: Site, url: str) -> int:
    notice = site.store.notices.create(
        NoticeDraft(
            platform="adsite",
            platform_name="Ad Site",
            channel="email",
            recipient="abuse@adsite.test",
            trusted_flagger=False,
            csam=False,
            notifier_name="Unit",
            notifier_email="unit@example.org",
            subject="Notice",
            body="text",
            origin="post:x",
            drafted_by="ana",
            urls=[("x", url)],
        ),
        at=datetime.now(UTC),
    )
    return notice.id


def test_a_supervisor_approves_a_draft_from_the_page(page: Page, site: Site) -> None:
    nid = _draft(site, "https://ads.example/<img src=x onerror=alert(1)>")
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if isinstance(m, ConsoleMessage) else None)
    page.on("dialog", lambda d: messages.append("dialog " + d.message))
    login(page, site, "sue", "/notices")
    row = page.locator(f"tr[data-notice-id='{nid}']")
    assert row.locator(".notice-state").inner_text() == "draft"
    assert "onerror=alert(1)" in row.inner_text()  # shown as text, not markup
    row.get_by_role("button", name="Approve").click()
    page.wait_for_url(site.base + "/notices")
    assert page.locator(f"tr[data-notice-id='{nid}'] .notice-state").inner_text() == "approved"
    stored = site.store.notices.get(nid)
    assert stored is not None and stored.approved_by == "sue"
    assert not [m for m in messages if "Content Security Policy" in m or m.startswith("dialog")]


def test_an_analyst_sees_notices_without_an_approve_button(page: Page, site: Site) -> None:
    nid = _draft(site, "https://ads.example/2")
    login(page, site, "bob", "/notices")
    row = page.locator(f"tr[data-notice-id='{nid}']")
    assert row.locator(".notice-state").inner_text() == "draft"
    assert row.get_by_role("button", name="Approve").count() == 0
