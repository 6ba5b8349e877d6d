"""The analyst's pages in a real browser: sign in, walk the review queue by keyboard, a post and a network graph,
search, what a viewer may not do, hostile ad text that must not run, and screenshots of the main pages."""

from __future__ import annotations

import os
import re
from pathlib import Path

from browser_helpers import Site, login
from playwright.sync_api import ConsoleMessage, Page, expect


def test_sign_in_lands_on_the_dashboard(page: Page, site: Site) -> None:
    page.goto(site.base + "/review")
    assert re.search(r"/login\?next=/review$", page.url)
    login(page, site, "sue")
    expect(page.locator("header .user")).to_have_text("sue")
    expect(page.locator("header .role")).to_have_text("supervisor")
    expect(page.locator("h1")).to_have_text("Dashboard")
    assert page.locator("svg.chart .bar").count() > 0
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Sans" in family and "Noto Sans Devanagari" in family and "Noto Sans Bengali" in family


def test_wrong_password_is_refused_in_the_form(page: Page, site: Site) -> None:
    page.goto(site.base + "/login")
    page.fill("input[name=name]", "bob")
    page.fill("input[name=password]", "not the password at all")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("wrong user name or password")
    assert "/login" in page.url


def test_review_queue_by_keyboard(page: Page, site: Site) -> None:
    login(page, site, "ana", "/review")
    first = page.locator(".qitem.held").get_attribute("data-post-id")
    assert first
    # e: the reason field gets focus; Enter submits; the decision is stored.
    page.keyboard.press("e")
    expect(page.locator("#decide-reason")).to_be_focused()
    page.keyboard.type("same phone as a known network")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    decisions = site.store.review.history(first)
    assert [(d.decision, d.reason, d.reviewer) for d in decisions] == [
        ("escalate", "same phone as a known network", "ana")
    ]
    second = page.locator(".qitem.held").get_attribute("data-post-id")
    assert second and second != first
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # j/k move through the visible list (the held post, then the decisions made).
    assert page.evaluate("document.body.dataset.selected") == second
    page.keyboard.press("j")
    assert page.evaluate("document.body.dataset.selected") == first
    page.keyboard.press("k")
    assert page.evaluate("document.body.dataset.selected") == second
    # d on the held post, with Escape first to show a cancelled decision stores nothing.
    page.keyboard.press("n")
    page.keyboard.press("Escape")
    assert site.store.review.history(second) == []
    page.keyboard.press("d")
    page.keyboard.type("benign marriage profile")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert site.store.review.history(second)[-1].decision == "dismiss"
    actions = [(e.actor, e.action, e.target) for e in site.store.audit.entries()]
    assert ("user:ana", "review.decide", f"post:{first}") in actions


def test_two_analysts_never_hold_the_same_post(browser_pages: tuple[Page, Page], site: Site) -> None:
    a, b = browser_pages
    login(a, site, "ana", "/review")
    login(b, site, "bob", "/review")
    held_a = a.locator(".qitem.held").get_attribute("data-post-id")
    held_b = b.locator(".qitem.held").get_attribute("data-post-id")
    assert held_a and held_b and held_a != held_b


def test_post_page_shows_highlights_links_and_is_audited(page: Page, site: Site) -> None:
    login(page, site, "ana")
    pid = site.corpus.phone_ids[0]
    page.goto(f"{site.base}/posts/{pid}")
    expect(page.locator("mark.hl-id").first).to_be_visible()
    expect(page.locator("mark.hl-ind").first).to_be_visible()
    assert page.locator("section.reasons li").count() > 0
    linked = page.locator("a.linked")
    assert linked.count() > 0
    linked.first.click()
    page.wait_for_url(re.compile(r"/posts/"))
    views = [e for e in site.store.audit.entries() if e.action == "post.view" and e.target == f"post:{pid}"]
    assert views and views[-1].actor == "user:ana"


def test_hostile_ad_text_does_not_run(page: Page, site: Site) -> None:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if isinstance(m, ConsoleMessage) else None)
    page.on("pageerror", lambda e: messages.append(str(e)))
    login(page, site, "ana")
    for pid in (site.corpus.raw_hostile_id, site.corpus.hostile_id):
        page.goto(f"{site.base}/posts/{pid}")
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator("article.post img").count() == 0
        assert page.locator("article.post script").count() == 0
    # The markup is shown as text, escaped.
    page.goto(f"{site.base}/posts/{site.corpus.raw_hostile_id}")
    expect(page.locator("article.post .text")).to_contain_text('<img src=x onerror="window.__pwned=2">')
    expect(page.locator("article.post h2.title")).to_contain_text("<script>window.__pwned=1</script>")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert not [m for m in messages if "pwned" in m]


def test_network_graph_draws_and_opens_posts(page: Page, site: Site) -> None:
    network = site.store.links.networks(limit=1)[0]
    login(page, site, "vic")
    page.goto(f"{site.base}/networks/{network.id}")
    graph = page.locator("#graph[data-ready=true]")
    expect(graph).to_be_visible()
    assert page.locator("#graph canvas").count() > 0
    assert int(graph.get_attribute("data-rendered-nodes") or 0) > 0
    assert page.locator("ol.stops li").count() > 0
    assert page.locator("table.members tbody tr.member").count() == network.size
    expect(page.locator("p.graph-note")).to_contain_text(f"all {network.size} posts")
    page.evaluate("window.tipwatchGraph.nodes(\"[kind = 'post']\")[0].emit('tap')")
    page.wait_for_url(re.compile(r"/posts/"))
    expect(page.locator("article.post")).to_be_visible()


def test_network_members_come_a_page_at_a_time(page: Page, site: Site) -> None:
    network = site.store.links.networks(limit=1)[0]
    assert network.size > 2
    login(page, site, "vic")
    page.goto(f"{site.base}/networks/{network.id}?members_limit=2&graph_posts=2")
    rows = page.locator("table.members tbody tr.member")
    expect(rows).to_have_count(2)
    expect(page.locator("p.graph-note")).to_contain_text(f"Showing 2 of {network.size} posts")
    expect(page.locator("#graph[data-ready=true]")).to_have_attribute("data-rendered-nodes", re.compile(r"[1-9]"))
    # "More members" (htmx) appends the next rows in place until none are left.
    for shown in range(4, network.size + 2, 2):
        page.locator("button.more-members").click()
        expect(rows).to_have_count(min(shown, network.size))
    expect(page.locator("button.more-members")).to_have_count(0)
    ids = rows.evaluate_all("rows => rows.map(r => r.querySelector('a').getAttribute('href'))")
    assert len(set(ids)) == network.size


def test_a_phone_written_two_ways_finds_the_same_posts(page: Page, site: Site) -> None:
    login(page, site, "vic")
    found = []
    for query in ("+91 99001 22334", "9900122334"):
        page.goto(site.base + "/search")
        page.fill("form.search-page input[name=q]", query)
        page.click("form.search-page button[type=submit]")
        page.wait_for_url(re.compile(r"/search\?q="))
        found.append(sorted(page.locator("tr.hit").evaluate_all("rows => rows.map(r => r.dataset.postId)")))
    assert found[0] == found[1] == sorted(site.corpus.phone_ids)
    assert any(e.action == "search" and e.actor == "user:vic" for e in site.store.audit.entries())


def test_a_viewer_cannot_reach_analyst_actions(page: Page, site: Site) -> None:
    login(page, site, "vic")
    pid = site.corpus.phone_ids[1]
    page.goto(f"{site.base}/posts/{pid}")
    assert page.locator("button.decide").count() == 0
    assert page.locator("nav a[href='/review']").count() == 1  # the link is there; the page refuses
    csrf = page.locator("form.logout input[name=csrf_token]").get_attribute("value") or ""
    answer = page.request.post(
        site.base + "/review/decide",
        form={"csrf_token": csrf, "post_id": pid, "decision": "dismiss", "reason": "not mine to decide"},
        max_redirects=0,
    )
    assert answer.status == 403
    assert page.request.get(site.base + "/review", max_redirects=0).status == 403
    assert site.store.review.history(pid) == []


def test_screenshots_of_the_main_pages(page: Page, site: Site, tmp_path: Path) -> None:
    out = Path(os.environ.get("TIPWATCH_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    network = site.store.links.networks(limit=1)[0]
    login(page, site, "sue")
    shots = {
        "dashboard": "/",
        "review": "/review",
        "post": f"/posts/{site.corpus.phone_ids[0]}",
        "network": f"/networks/{network.id}",
    }
    for name, path in shots.items():
        page.goto(site.base + path)
        if name == "network":
            expect(page.locator("#graph[data-ready=true]")).to_be_visible()
        if name == "review":
            page.keyboard.press("e")
            page.keyboard.type("shares a phone with network posts")
        # Usable at 1280 px: nothing widens the page past the window.
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, f"{name} is wider than 1280 px"
        page.screenshot(path=str(out / f"{name}.png"), full_page=False)
        assert (out / f"{name}.png").stat().st_size > 10_000
