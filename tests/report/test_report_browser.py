"""The report in a real browser, opened from disk: no script runs, nothing is fetched, the leads are on screen.

Uses Debian's Chromium (the CI script installs it); skipped only when /usr/bin/chromium is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report_helpers import Hit, Ident, P, Store

from tipwatch.services.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path("/tmp/tipwatch-report.png")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]

EVIL = (
    "<script>alert('script')</script><img src=x onerror=\"alert('img')\">"
    "<svg onload=alert('svg')></svg><iframe src=\"javascript:alert('frame')\"></iframe>"
    '<a href="https://tracker.example/x">x</a><link rel=stylesheet href="https://cdn.example/x.css">'
    "<style>@import url(https://cdn.example/y.css)</style>"
)


def _fill(store: Store) -> None:
    store.add_run(read=6, stored=5, duplicates=1, quarantined=0)
    store.add(
        [
            P(
                "hostile",
                title="Fresh new girls " + EVIL,
                body="WhatsApp: call \u202e01234 56789\u202c today. Rs 2000 per hour. " + EVIL,
                risk=0.96,
                reasons=[
                    {"code": "youth_fresh", "contribution": 0.9, "detail": "fresh new girls"},
                    {"code": "price_hourly", "contribution": 0.3, "detail": "Rs 2000 per hour"},
                ],
                hits=[Hit("youth_fresh", "youth", "Fresh new girls"), Hit("left", "marker", "012")],
                idents=[Ident("phone", "+910123456789", "789"), Ident("price", "2000 INR/hour", "Rs 2000 per hour")],
                location=EVIL,
                images=["https://img.example/a.jpg", EVIL],
                url="https://ads.example/p/1",
            ),
            P(
                "hindi",
                body="नौकरी विदेश में, वीज़ा और टिकट मुफ्त। सिर्फ WhatsApp पर संपर्क करें।",
                language="hi",
                kind="job_ad",
                risk=0.71,
                hits=[Hit("travel_paid", "recruitment", "वीज़ा और टिकट मुफ्त", language="hi")],
                idents=[Ident("place", "Dubai", "विदेश")],
            ),
            P("bengali", body="পাত্রী চাই, বিদেশে ভালো চাকরি", language="bn", kind="marriage_profile", risk=0.44),
            P("benign", body="Cook needed in Pune, weekly off.", kind="job_ad", risk=0.03, location="Pune"),
        ]
    )


def test_report_in_chromium(store: Store, out_dir: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    _fill(store)
    index = write_report(store.facade, out_dir)
    dialogs: list[str] = []
    console_errors: list[str] = []
    page_errors: list[str] = []
    requests: list[str] = []
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(index.as_uri(), wait_until="load")
            page.wait_for_timeout(300)

            assert page.locator("article.post").count() == 4
            assert page.locator("article#post-1").is_visible()
            assert page.locator("article#post-1 .risk strong").inner_text() == "0.96"
            assert "Leads, not verdicts" in page.locator("p.leads").inner_text()
            assert page.locator("svg.chart rect.bar").count() > 20
            # The hostile markup is on screen as text, not as elements.
            assert "<script>alert('script')</script>" in page.locator("article#post-1 div.text").inner_text()
            assert page.locator("script, img, iframe, link, object, embed").count() == 0
            # The RLO is neutralized: "012" (start of the digits) is drawn left of "789" (end), as written.
            left = page.locator('article#post-1 mark[data-spans="i1"]').bounding_box()
            right = page.locator('article#post-1 mark[data-spans="d0"]').bounding_box()
            assert left is not None and right is not None and left["x"] < right["x"]
            assert page.locator("article#post-1 div.text span.ctl").count() == 2  # RLO and PDF

            page.screenshot(path=str(SCREENSHOT), full_page=True)
            page.emulate_media(media="print")
            assert page.locator("nav").is_hidden()
        finally:
            browser.close()
    assert dialogs == []
    assert page_errors == []
    assert console_errors == []  # a CSP violation (e.g. a style hash mismatch) would show here
    assert requests and all(u.startswith("file://") for u in requests), requests
    assert SCREENSHOT.stat().st_size > 10_000
