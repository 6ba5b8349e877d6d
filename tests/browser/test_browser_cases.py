"""Cases in Chromium: an analyst opens a case, adds a post from the post page and a network from the network page
while reviewing, writes a note and changes the status; a viewer then sees the case with all of it but no form or
action; hostile ad text shown in the case's post list does not run."""

from __future__ import annotations

import re

from browser_helpers import Site, login
from playwright.sync_api import Page, expect

from tipwatch.services import cases


def test_an_analyst_builds_a_case_and_a_viewer_only_reads_it(page: Page, site: Site) -> None:
    pid = site.corpus.phone_ids[0]
    network = site.store.links.networks(limit=1)[0]
    title = "SYNTHETIC ring <b>Mumbai</b>"
    login(page, site, "ana", "/cases")
    page.fill("section.case-open input[name=title]", title)
    page.select_option("section.case-open select[name=priority]", "high")
    page.click("section.case-open button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("h1 .case-title")).to_have_text(title)  # shown as text, not markup

    # While reviewing the post: add it to the case, and come back to the post.
    page.goto(f"{site.base}/posts/{pid}")
    page.select_option(".add-to-case select[name=case_id]", str(case_id))
    page.click(".add-to-case button[type=submit]")
    page.wait_for_url(re.compile(rf"/posts/{re.escape(pid)}\?added_to={case_id}$"))
    expect(page.locator(".add-to-case .ok")).to_contain_text(f"case {case_id}")
    # And its network from the network page.
    page.goto(f"{site.base}/networks/{network.id}")
    page.select_option(".add-to-case select[name=case_id]", str(case_id))
    page.click(".add-to-case button[type=submit]")
    page.wait_for_url(re.compile(rf"/networks/{re.escape(network.id)}\?added_to={case_id}$"))

    page.goto(f"{site.base}/cases/{case_id}")
    row = page.locator(f"tr.case-post[data-post-id='{pid}']")
    expect(row).to_be_visible()
    expect(row.locator(f"a[href='/posts/{pid}']")).to_be_visible()
    expect(page.locator(f"li.case-network[data-network-id='{network.id}'] a")).to_have_attribute(
        "href", f"/networks/{network.id}"
    )
    page.fill(".note-form textarea[name=text]", "Same phone as the Pune ads <script>window.__pwned=3</script>")
    page.click(".note-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/cases/{case_id}#notes$"))
    expect(page.locator(".note .note-text")).to_have_text(
        "Same phone as the Pune ads <script>window.__pwned=3</script>"
    )
    page.select_option(".change-form select[name=status]", "in_progress")
    page.fill(".change-form input[name=assignee]", "ana")
    page.click(".change-form button[type=submit]")
    page.wait_for_url(f"{site.base}/cases/{case_id}")
    expect(page.locator("#case-status")).to_have_text("in progress")
    expect(page.locator("li.event[data-kind=status]")).to_contain_text("open → in_progress")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    detail = cases.show_case(site.store, case_id)
    assert (detail.case.status, detail.case.assignee, detail.case.priority) == ("in_progress", "ana", "high")
    assert [p.id for p in detail.posts] == [pid] and [n.id for n in detail.networks] == [network.id]
    actions = [e.action for e in site.store.audit.entries() if e.target == f"case:{case_id}" and e.actor == "user:ana"]
    assert {"case.create", "case.add_posts", "case.add_networks", "case.note", "case.update"} <= set(actions)

    # A viewer: the same case, no forms, no actions (sign-out aside).
    page.context.clear_cookies()
    login(page, site, "vic", f"/cases/{case_id}")
    expect(page.locator(f"tr.case-post[data-post-id='{pid}']")).to_be_visible()
    expect(page.locator(".note .note-text")).to_have_count(1)
    expect(page.locator("#case-status")).to_have_text("in progress")
    assert page.locator("main form").count() == 0 and page.locator("main button").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    page.goto(f"{site.base}/cases")
    expect(page.locator(f"tr.case-row[data-case-id='{case_id}']")).to_be_visible()
    assert page.locator("main form[method=post]").count() == 0
    page.goto(f"{site.base}/posts/{pid}")
    assert page.locator(".add-to-case").count() == 0
    csrf = page.locator("form.logout input[name=csrf_token]").get_attribute("value") or ""
    refused = page.request.post(
        f"{site.base}/cases/{case_id}/notes", form={"csrf_token": csrf, "text": "not mine"}, max_redirects=0
    )
    assert refused.status == 403 and len(cases.show_case(site.store, case_id).notes) == 1
