"""index.html: ranking, highlights on the right characters, hostile text, charts, sections and flags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from report_helpers import BACKENDS, T0, Hit, Ident, P, Store
from selectolax.lexbor import LexborHTMLParser, LexborNode
from sqlalchemy import insert

from tipwatch.model import post_text
from tipwatch.report import (
    PostFlag,
    ReportContext,
    Section,
    register_post_flagger,
    register_section,
)
from tipwatch.report.sections import unregister
from tipwatch.services.report import write_report
from tipwatch.store.facade import Store as Facade

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _tree(index: Path) -> LexborHTMLParser:
    return LexborHTMLParser(index.read_text(encoding="utf-8"))


def _card(tree: LexborHTMLParser, rank: int) -> LexborNode:
    node = tree.css_first(f"article#post-{rank}")
    assert node is not None
    return node


def _span_text(card: LexborNode, key: str) -> str:
    marks = card.css("div.text mark.hl")
    return "".join(m.text() for m in marks if key in (m.attributes.get("data-spans") or "").split())


def _sample() -> list[P]:
    return [
        P("low", body="Looking for a cook in Pune, fair pay.", risk=0.05, kind="job_ad", location="Pune"),
        P(
            "top",
            title="New in town",
            body="Young fresh girls, call 98765-43210 or 9 8 7 6 5 4 3 2 1 0. Delhi & Mumbai.",
            risk=0.97,
            reasons=[
                {"code": "youth_wording", "contribution": 0.81, "detail": "fresh girls"},
                {"code": "movement", "contribution": 0.4, "detail": "new in town"},
                {"code": "benign_hint", "contribution": -0.1, "detail": ""},
            ],
            hits=[
                Hit("movement_new_in_town", "movement", "New in town"),
                Hit("youth_fresh", "youth", "fresh girls"),
                Hit("obscured_phone", "obfuscation", "9 8 7 6 5 4 3 2 1 0", language=""),
            ],
            idents=[
                Ident("phone", "+919876543210", "98765-43210"),
                Ident("phone", "+919876543210", "9 8 7 6 5 4 3 2 1 0", obfuscated=True),
                Ident("place", "Delhi", "Delhi"),
                Ident("place", "Mumbai", "Mumbai"),
            ],
            images=["https://img.example/1.jpg"],
        ),
        P(
            "mid",
            body="Models wanted abroad, visa and ticket paid. WhatsApp only.",
            risk=0.6,
            kind="job_ad",
            hits=[Hit("travel_paid", "recruitment", "visa and ticket paid", language="en")],
            idents=[Ident("place", "Delhi", "abroad")],
            posted_at=T0 + timedelta(weeks=3),
        ),
        P("tie-b", body="Same score b", risk=0.6, posted_at=None),
    ]


@pytest.mark.parametrize("store", BACKENDS, indirect=True)
def test_ranked_in_risk_order_with_reasons_in_stored_order(store: Store, out_dir: Path) -> None:
    store.add(_sample())
    index = write_report(store.facade, out_dir)
    assert index == out_dir / "index.html"
    tree = _tree(index)
    ids = [a.css_first("footer.post-f code").text() for a in tree.css("article.post")]
    assert ids == ["top", "mid", "tie-b", "low"]  # ties broken by id
    card = _card(tree, 1)
    assert card.css_first(".risk strong").text() == "0.97"
    reasons = [li.css_first("code").text() for li in card.css("section.reasons li")]
    assert reasons == ["youth_wording", "movement", "benign_hint"]
    contrib = [li.css_first(".contrib").text() for li in card.css("section.reasons li")]
    assert contrib == ["+0.81", "+0.40", "-0.10"]
    rows = [[td.text() for td in tr.css("td")] for tr in card.css("table.idents tbody tr")]
    assert rows[0][:4] == ["phone", "+919876543210", "98765-43210", ""]
    assert rows[1][2:4] == ["9 8 7 6 5 4 3 2 1 0", "yes"]
    assert rows[0][4] == "1"  # one post in the store carries this phone
    meta = {d.css_first("dt").text(): d.css_first("dd").text() for d in card.css("dl.meta div")}
    assert meta["kind"] == "escort_ad" and meta["place"] == "Kolkata" and meta["date"].startswith("2025-03-03")


@pytest.mark.parametrize("store", BACKENDS, indirect=True)
def test_highlights_land_on_the_original_characters(store: Store, out_dir: Path) -> None:
    posts = _sample()
    store.add(posts)
    tree = _tree(write_report(store.facade, out_dir))
    top = posts[1]
    text = post_text(top.title, top.body)
    card = _card(tree, 1)
    assert card.css_first("div.text").text() == text
    for n, h in enumerate(top.hits):
        assert _span_text(card, f"i{n}") == h.phrase
    for n, i in enumerate(top.idents):
        assert _span_text(card, f"d{n}") == i.phrase
    # The obscured phone is both an indicator and an identifier: one piece with both classes and both labels.
    both = [m for m in card.css("mark.hl-ind") if "hl-id" in m.attributes["class"]]
    assert [m.text() for m in both] == ["9 8 7 6 5 4 3 2 1 0"]
    title = both[0].attributes["title"]
    assert "obscured_phone" in title and "obfuscation" in title and "phone: +919876543210" in title


def test_overlapping_spans(store: Store, out_dir: Path) -> None:
    body = "escort service available tonight"
    store.add(
        [
            P(
                "o",
                body=body,
                risk=0.9,
                hits=[Hit("a", "sex", "escort service"), Hit("b", "sex", "service available")],
                idents=[Ident("handle", "x:service", "service available tonight")],
            ),
        ]
    )
    card = _card(_tree(write_report(store.facade, out_dir)), 1)
    assert _span_text(card, "i0") == "escort service"
    assert _span_text(card, "i1") == "service available"
    assert _span_text(card, "d0") == "service available tonight"
    assert [m.attributes["data-spans"] for m in card.css("mark.hl")] == ["i0", "i0 d0 i1", "d0 i1", "d0"]


@pytest.mark.parametrize("store", BACKENDS, indirect=True)
def test_hostile_text_is_escaped_everywhere(store: Store, out_dir: Path) -> None:
    evil = HOSTILE + "\u202eevil\u202c"
    short = "<b onclick=alert(8)>\u202eE"  # fits kind VARCHAR(32), category VARCHAR(64) on PostgreSQL
    store.add(
        [
            P(
                "<b>id</b>",
                title=HOSTILE,
                body="call \u202e01234 56789 " + HOSTILE,
                risk=0.9,
                platform=evil,
                location='"><svg onload=alert(3)>',
                language='x" onclick="y',
                kind=short,
                url="javascript:alert(5)",
                images=['"><img src=x onerror=alert(6)>'],
                reasons=[{"code": evil, "contribution": 0.5, "detail": evil}],
                hits=[Hit(short, short, "<script>")],
                idents=[Ident("email", '"><script>alert(7)</script>', "alert(1)")],
            )
        ]
    )
    index = write_report(store.facade, out_dir)
    source = index.read_text(encoding="utf-8")
    tree = LexborHTMLParser(source)
    assert tree.css("script") == []
    assert tree.css("img") == [] and tree.css("iframe") == [] and tree.css("object") == []
    assert [
        n.tag
        for n in tree.css("body svg")
        if n.attributes.get("class") not in ("chart chart-h", "chart chart-v", "riskbar")
    ] == []
    for node in tree.css("*"):
        assert not any(a.lower().startswith("on") for a in node.attributes), node.html
        assert not any("javascript:" in (v or "") for k, v in node.attributes.items() if k in ("href", "src"))
    assert "\u202e" not in source  # bidi overrides only as character references, each in an isolating span
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    card = _card(tree, 1)
    assert card.css_first("div.text").text() == post_text(HOSTILE, "call \u202e01234 56789 " + HOSTILE)
    assert card.css_first("div.text").attributes.get("lang") is None  # odd language codes are not used as lang=
    assert card.css_first("div.text").attributes["dir"] == "ltr"  # direction from the language, never the text
    assert card.css_first("footer code.url").text() == "javascript:alert(5)"
    assert all(c.attributes["data-ctl"] in ("RLO", "PDF") for c in tree.css("span.ctl") if c.text())


def test_page_has_strict_csp_and_no_external_resources(store: Store, out_dir: Path) -> None:
    store.add(_sample())
    tree = _tree(write_report(store.facade, out_dir))
    csp = tree.css_first('meta[http-equiv="Content-Security-Policy"]').attributes["content"]
    assert "default-src 'none'" in csp and "script-src 'none'" in csp and "style-src 'sha256-" in csp
    assert tree.css("link") == [] and tree.css("script") == []
    hrefs = [a.attributes.get("href") or "" for a in tree.css("a")]
    assert all(h.startswith("#") or h in ("posts.csv", "posts.jsonl") for h in hrefs)
    assert "Leads, not verdicts" in tree.css_first("p.leads").text()


@pytest.mark.parametrize("store", BACKENDS, indirect=True)
def test_run_summary_and_reconciliation(store: Store, out_dir: Path) -> None:
    store.add_run(read=10, stored=7, duplicates=2, quarantined=1)
    store.add(_sample())
    tree = _tree(write_report(store.facade, out_dir))
    figures = [td.text() for td in tree.css("table.recon tr.figures td")]
    assert [figures[i] for i in (0, 2, 4, 6)] == ["10", "7", "2", "1"]
    assert "✓ balanced" in tree.css_first("p.recon-status").text()
    store.add_run(read=5, stored=3, duplicates=0, quarantined=0)
    tree = _tree(write_report(store.facade, out_dir))
    assert "✗ 2 unaccounted" in tree.css_first("p.recon-status").text()
    totals = {d.css_first("dt").text(): d.css_first("dd").text() for d in tree.css("dl.totals div")}
    assert totals["posts"] == "4" and totals["runs"] == "2" and totals["identifiers"] == "5"


def _bars(tree: LexborHTMLParser, chart: str) -> list[str]:
    fig = tree.css_first(f"figure#chart-{chart}")
    return [g.css_first("title").text() for g in fig.css("svg g.bar-g") if g.css_first("rect.bar") is not None]


@pytest.mark.parametrize("store", BACKENDS, indirect=True)
def test_charts_have_one_bar_per_group(store: Store, out_dir: Path) -> None:
    store.add(_sample())
    tree = _tree(write_report(store.facade, out_dir))
    assert len(_bars(tree, "risk")) == 20
    hist = {t.split(":")[0]: t.split(": ")[1] for t in _bars(tree, "risk")}
    assert hist["0.95–1.00"] == "1 posts" and hist["0.60–0.65"] == "2 posts" and hist["0.00–0.05"] == "0 posts"
    assert _bars(tree, "kind") == ["escort_ad: 2 posts", "job_ad: 2 posts"]
    assert _bars(tree, "places") == ["Delhi: 2 posts", "Mumbai: 1 posts"]
    assert _bars(tree, "hit-category") == [
        "movement: 1 hits",
        "obfuscation: 1 hits",
        "recruitment: 1 hits",
        "youth: 1 hits",
    ]
    assert _bars(tree, "hit-language") == ["en: 3 hits", "(none): 1 hits"]
    # Week of T0 (3 posts), two empty weeks, then the week of T0 + 3 weeks; one post has no date.
    assert _bars(tree, "weeks") == [
        "2025-03-03: 2 posts",
        "2025-03-10: 0 posts",
        "2025-03-17: 0 posts",
        "2025-03-24: 1 posts",
    ]
    assert "1 posts without a date" in tree.css_first("figure#chart-weeks").text()
    rows = tree.css("figure#chart-kind details.data tbody tr")
    assert [[td.text() for td in r.css("td")] for r in rows] == [["escort_ad", "2"], ["job_ad", "2"]]


@pytest.mark.parametrize("store", BACKENDS, indirect=True)
def test_top_and_min_risk(store: Store, out_dir: Path) -> None:
    store.add([P(f"p{i:02d}", body=f"post {i}", risk=i / 20) for i in range(20)])
    tree = _tree(write_report(store.facade, out_dir, top=5, min_risk=0.5))
    ids = [a.css_first("footer.post-f code").text() for a in tree.css("article.post")]
    assert ids == ["p19", "p18", "p17", "p16", "p15"]
    tree = _tree(write_report(store.facade, out_dir, top=50, min_risk=0.9))
    assert [a.css_first("footer.post-f code").text() for a in tree.css("article.post")] == ["p19", "p18"]


@pytest.mark.parametrize("store", BACKENDS, indirect=True)
def test_empty_store(store: Store, out_dir: Path) -> None:
    index = write_report(store.facade, out_dir)
    tree = _tree(index)
    assert tree.css("article.post") == []
    assert "No run recorded" in tree.css_first("header.top").text()
    assert "No posts in the store" in tree.css_first("section#posts").text()
    assert len(_bars(tree, "risk")) == 20
    assert tree.css_first("figure#chart-kind svg") is None
    assert (out_dir / "posts.csv").read_text(encoding="utf-8-sig").splitlines()[0].startswith("id,source")
    assert (out_dir / "posts.jsonl").read_bytes() == b""


def test_long_text_is_cut_on_the_page(store: Store, out_dir: Path) -> None:
    body = "a" * 7000 + " late keyword"
    store.add([P("long", body=body, risk=0.5, hits=[Hit("late", "x", "late keyword")])])
    card = _card(_tree(write_report(store.facade, out_dir)), 1)
    assert len(card.css_first("div.text").text()) == 6000
    assert "1,013 more characters" in card.css_first("p.cut").text()
    assert card.css("div.text mark") == []


def test_section_hook_and_post_flags(store: Store, out_dir: Path) -> None:
    store.add(_sample())

    def networks(ctx: ReportContext) -> Section:
        assert ctx.shown_post_ids[0] == "top"
        return Section(
            id="networks",
            title="Networks",
            html=ctx.render("section_error.html", name="<n>", error="e"),
            order=200,
            summary="1 network",
        )

    def skipped(ctx: ReportContext) -> None:
        return None

    def broken(ctx: ReportContext) -> Section:
        raise RuntimeError("boom <b>")

    def media(facade: Facade, ids: Sequence[str]) -> dict[str, list[PostFlag]]:
        assert "top" in ids
        return {"top": [PostFlag("hash_bank_match", "image matched a hash list", "bank X", "alert", True)]}

    register_section(networks)
    register_section(skipped)
    register_section(broken)
    register_post_flagger(media)
    try:
        tree = _tree(write_report(store.facade, out_dir))
    finally:
        for obj in (networks, skipped, broken, media):
            unregister(obj)
    order = [s.attributes["id"] for s in tree.css("main > section.section")]
    assert order == ["posts", "networks", "charts", "error-test-section-hook-and-post-flags-locals-broken"]
    assert "RuntimeError: boom <b>" in tree.css("main > section.section")[-1].text()
    assert [a.text() for a in tree.css("nav a")] == [
        "Ranked posts",
        "Networks",
        "Overview charts",
        "Section failed: test_section_hook_and_post_flags.<locals>.broken",
    ]
    card = _card(tree, 1)
    assert card.css_first("li.flag-alert").text() == "image matched a hash list"
    footer = card.css_first("footer.post-f").text()
    assert "img.example" not in footer and "1 reference(s) withheld" in footer
    # Without the flagger the reference is shown, as text only.
    tree = _tree(write_report(store.facade, out_dir))
    assert _card(tree, 1).css_first("footer code.url").text() == "https://img.example/1.jpg"
    assert tree.css("img") == [] and tree.css("a[href^='https']") == []


def test_failing_flagger_fails_the_report(store: Store, out_dir: Path) -> None:
    # A flagger may be the thing that withholds abuse-material references: never show the page without it.
    store.add(_sample())

    def bad(facade: Facade, ids: Sequence[str]) -> dict[str, list[PostFlag]]:
        raise RuntimeError("bank offline")

    register_post_flagger(bad)
    try:
        with pytest.raises(RuntimeError):
            write_report(store.facade, out_dir)
    finally:
        unregister(bad)
    assert not (out_dir / "index.html").exists()


def test_odd_stored_values_do_not_break_the_page(store: Store, out_dir: Path) -> None:
    body = "girls " * 100
    hits = [Hit("g", "youth", "girls", start=6 * k, end=6 * k + 5) for k in range(100)]
    reasons: list[dict[str, object]] = [{"code": "a", "contribution": "high"}, {"code": "b"}, {"detail": "no code"}]
    store.add([P("odd", body=body, risk=0.8, hits=hits, reasons=reasons)])
    card = _card(_tree(write_report(store.facade, out_dir)), 1)
    assert len(card.css("div.text mark.hl")) == 100  # every span highlighted
    assert len(card.css("table.hits tbody tr")) == 61  # 60 rows and a "more" line
    assert "40 more" in card.css_first("table.hits td.more").text()
    assert [li.text().strip() for li in card.css("section.reasons li")] == ["a", "b", "no code"]


@pytest.mark.parametrize("store", BACKENDS, indirect=True)
def test_abuse_material_posts_never_show_image_references(store: Store, out_dir: Path) -> None:
    from tipwatch.store.media_tables import mandatory_reports

    store.add(
        [
            P("flagged", body="a", risk=0.9, images=["secret-name.jpg", "https://img.example/secret.jpg"]),
            P("clean", body="b", risk=0.8, images=["ok.jpg"]),
        ]
    )
    with store.engine.begin() as conn:
        conn.execute(
            insert(mandatory_reports).values(
                post_id="flagged", status="pending", reason="bank match", sha256s=["0" * 64], flagged_at=T0
            )
        )
    source = write_report(store.facade, out_dir).read_text(encoding="utf-8")
    assert "secret" not in source
    tree = LexborHTMLParser(source)
    flagged, clean = _card(tree, 1), _card(tree, 2)
    assert flagged.css_first("li.flag-alert").text() == "images withheld: abuse-material hash match"
    assert "2 reference(s) withheld" in flagged.css_first("footer.post-f").text()
    assert clean.css_first("footer code.url").text() == "ok.jpg"
