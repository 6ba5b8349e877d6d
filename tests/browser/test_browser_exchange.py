"""Partner exchange in Chromium, between two stores: partner A (a second SQLite store, its own server secret) makes
the group key and its selector file with the real `tipwatch exchange` commands; in store B's web app a supervisor
imports A's key file by upload, uploads A's selector file and sees exactly the values both stores hold, as selectors
with links to B's posts and never as plain values. Analysts and viewers cannot reach the page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from browser_helpers import Site, login
from playwright.sync_api import Page, expect

from tipwatch.services import audit, exchange
from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.store.facade import Store, open_store

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")
GROUP = "partner-a"
WHY = ["--purpose", "joint case 7", "--legal-basis", "BNSS s.94 request 12/2026"]
# Partner A's posts: two phones the browser corpus also holds (written otherwise), and values only A holds.
POSTS_A = [
    ("a1", "SYNTHETIC partner ad", "call 9876543210 today, new girls"),
    ("a2", "SYNTHETIC partner spa", "whatsapp +91-99001-22334, hotel visits"),
    ("a3", "SYNTHETIC partner job", "write to only.partner.a@example.net or call 91234 56780"),
]


def _tw(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "TIPWATCH_DATA_DIR": str(data)}
    done = subprocess.run([TIPWATCH, *args], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    return done


def _values(store: Store) -> set[tuple[str, str]]:
    return {
        pair
        for row in store.exchange.values(exchange.IDENTIFIER_TYPES)
        for pair in exchange.selector_values(row.type, row.value)
    }


def _partner_a(tmp: Path) -> tuple[str, set[tuple[str, str]]]:
    url = f"sqlite:///{tmp / 'a.db'}"
    corpus = tmp / "a.jsonl"
    corpus.write_text(
        "".join(json.dumps({"id": i, "platform": "partnerA", "title": t, "body": b}) + "\n" for i, t, b in POSTS_A)
    )
    with open_store(url) as store:
        req = AnalyzeRequest([corpus], media=False, workers=1, quarantine_path=tmp / "q.jsonl")
        assert analyze(store, req, data_dir=tmp, link_state_dir=tmp / "state").counts.reconciles
        return url, _values(store)


def test_partner_selectors_matched_in_the_web_app(page: Page, site: Site, tmp_path: Path) -> None:
    url_a, values_a = _partner_a(tmp_path)
    shared = values_a & _values(site.store)
    assert ("phone", "+919876543210") in shared and ("phone", "+919900122334") in shared
    assert ("email", "only.partner.a@example.net") in values_a - shared
    data_a = tmp_path / "data-a"  # partner A's own server secret
    key_file, selectors = tmp_path / "group.key", tmp_path / "a-selectors.jsonl"
    _tw("exchange", "key", "create", "--group", GROUP, "--out", str(key_file), "--db", url_a, data=data_a)
    _tw("exchange", "selectors", "export", "--group", GROUP, "--out", str(selectors), *WHY, "--db", url_a, data=data_a)
    assert "+91" not in selectors.read_text() and "example.net" not in selectors.read_text()

    login(page, site, "sue", "/exchange")
    imp = page.locator("form.import-key")
    imp.locator("input[name=group]").fill(GROUP)
    imp.locator("input[type=file]").set_input_files(str(key_file))
    imp.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    key_id = json.loads(key_file.read_text())["key_id"]
    expect(page.locator("p.notice")).to_have_text(f"Group {GROUP}: key {key_id} imported.")
    expect(page.locator(f'tr.key[data-group="{GROUP}"] code')).to_have_text(key_id)

    form = page.locator("form.match")
    form.locator("select[name=group]").select_option(GROUP)
    form.locator("input[type=file]").set_input_files(str(selectors))
    form.locator("input[name=purpose]").fill("joint case 7")
    form.locator("input[name=legal_basis]").fill("BNSS s.94 request 12/2026")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    rows = page.locator("tr.match")
    expect(rows).to_have_count(len(shared))
    key = dict(exchange.group_keys(site.store, site.app.state.secret, GROUP))[key_id]
    shown = {(r.get_attribute("data-type"), r.get_attribute("data-selector")) for r in rows.all()}
    assert shown == {(t, exchange.selector(key, t, v)) for t, v in shared}
    html = page.content()
    assert "+919876543210" not in html and "only.partner.a" not in html  # selectors and local links only
    phone_row = page.locator(f'tr.match[data-selector="{exchange.selector(key, "phone", "+919900122334")}"]')
    expect(phone_row.locator('a[href="/posts/handmade/phone-1"]')).to_be_visible()
    entry = audit.page(site.store, limit=1)[0]
    assert entry.action == "exchange.match" and entry.actor == "user:sue" and entry.why == "joint case 7"
    assert entry.details["matched"] == len(shared)


def test_analysts_and_viewers_cannot_reach_the_exchange_page(page: Page, site: Site) -> None:
    for name in ("ana", "vic"):
        login(page, site, name)
        assert page.locator('header nav a[href="/exchange"]').count() == 0
        response = page.goto(site.base + "/exchange")
        assert response is not None and response.status == 403
        page.context.clear_cookies()


def test_a_viewer_downloads_a_redacted_export(page: Page, site: Site, tmp_path: Path) -> None:
    """The /exports page in Chromium: a viewer is offered no full level, and the GraphML downloaded through the form
    holds masks, not the corpus's phones."""
    login(page, site, "vic", "/exports")
    levels = page.locator("form.export-networks select[name=level] option").all_inner_texts()
    assert levels == ["selectors", "redacted"]
    page.locator("form.export-networks select[name=format]").select_option("graphml")
    with page.expect_download() as got:
        page.locator("form.export-networks button[type=submit]").click()
    path = tmp_path / "n.graphml"
    got.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert "+91 99xxx xx334" in text  # the hand-written phone, masked
    for row in site.store.exchange.values(("phone", "email")):
        assert row.value not in text, row.value
    entry = audit.page(site.store, limit=1)[0]
    assert (entry.action, entry.actor, entry.details["level"]) == ("networks.export", "user:vic", "redacted")
