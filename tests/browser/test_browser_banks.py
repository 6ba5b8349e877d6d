"""The hash banks page in Chromium: a supervisor creates a bank, imports a small PDQ list through the form (file
upload with the CSRF token) and sees its size and the bad line; an analyst sees the list without the controls; a
viewer has no Banks link."""

from __future__ import annotations

from pathlib import Path

from browser_helpers import Site, login
from playwright.sync_api import Page, expect

from tipwatch.services import audit, banks

PDQ = Path(__file__).resolve().parents[1] / "data" / "pdq" / "expected.csv"


def test_import_a_pdq_list_through_the_page(page: Page, site: Site) -> None:
    rows = [line.split(",") for line in PDQ.read_text().splitlines()[1:]]
    hashes = list(dict.fromkeys(r[2] for r in rows if len(r) > 2 and len(r[2]) == 64))[:3]
    login(page, site, "sue", "/banks")
    page.fill("form.new-bank input[name=name]", "browser pdq list")
    page.fill("form.new-bank input[name=source]", "test reference images (Meta PDQ)")
    page.fill("form.new-bank input[name=licence]", "BSD")
    page.uncheck("form.new-bank input[value=md5]")
    page.uncheck("form.new-bank input[value=sha256]")
    page.click("form.new-bank button[type=submit]")
    page.wait_for_url(site.base + "/banks")
    row = page.locator('tr.bank[data-bank="browser pdq list"]')
    expect(row.locator("td.size")).to_have_text("0")
    listing = "pdq,note\n" + "".join(f"{h},reference\n" for h in hashes) + "not-a-hash,bad\n"
    row.locator("form.import input[type=file]").set_input_files(
        {"name": "pdq.csv", "mimeType": "text/csv", "buffer": listing.encode()}
    )
    row.locator("form.import button[type=submit]").click()
    page.wait_for_load_state("load")
    report = page.locator("section.import-report")
    expect(report.locator(".added")).to_have_text("3")
    expect(report.locator("table.bad-lines")).to_contain_text(str(len(hashes) + 2))  # the bad line's number
    expect(page.locator('tr.bank[data-bank="browser pdq list"] td.size')).to_have_text("3")
    assert banks.require_bank(site.store, "browser pdq list").entries == 3
    assert audit.page(site.store, limit=1)[0].action == "bank.import"
    # Disable it from the page.
    page.locator('tr.bank[data-bank="browser pdq list"] form button', has_text="Disable").click()
    page.wait_for_url(site.base + "/banks")
    expect(page.locator('tr.bank[data-bank="browser pdq list"] td.state')).to_have_text("disabled")


def test_analysts_see_banks_viewers_do_not(page: Page, site: Site) -> None:
    if banks.get_bank(site.store, "seen by analysts") is None:
        banks.create_bank(site.store, "seen by analysts", source="s", licence="l", is_abuse_material=True)
    login(page, site, "ana", "/banks")
    row = page.locator('tr.bank[data-bank="seen by analysts"]')
    expect(row.locator(".abuse")).to_have_text("yes")
    assert page.locator("form.import").count() == 0 and page.locator("form.new-bank").count() == 0
    page.context.clear_cookies()
    login(page, site, "vic")
    assert page.locator('header nav a[href="/banks"]').count() == 0
