"""The case export for authorities (issue 11 part 6, JSON): HTCDS field names where they apply, posts with their
grounds, notices with the time of actual knowledge, abuse-material matches as hashes only; audited."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import orjson
import pypdf
import pytest
import sqlalchemy as sa
from notice_helpers import store_posts

from tipwatch.model import Assessment, IndicatorHit, Post, PostResult
from tipwatch.services import audit, cases
from tipwatch.services.case_export import ExportError, export_case, htcds_app, render
from tipwatch.store.facade import Store, open_store
from tipwatch.store.interface.notices import NoticeDraft

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")


@pytest.fixture
def store(engine: sa.Engine, db_url: str) -> Iterator[Store]:
    with open_store(db_url, migrate=False) as opened:
        yield opened


def _case(store: Store) -> int:
    store_posts(store, [("s/1", "https://t.me/agency/5"), ("s/2", "https://ads.example/2")], abuse=["s/2"])
    run = store.runs.start("test", [], None)
    sink = store.runs.sink(run)
    dated = Post(
        id="s/3",
        source="s",
        position="line 9",
        title="Hotel",
        body="call now",
        url="https://www.instagram.com/p/x",
        posted_at=datetime(2026, 11, 1, 12, tzinfo=UTC),
        location="Pune",
    )
    sink.write([PostResult(dated, [], [], Assessment(0.4))])
    store.runs.finish(run, sink.counts, "ok")
    case = cases.create_case(store, "Agency", created_by="ann")
    cases.add_posts(store, case.id, ["s/1", "s/2", "s/3"], actor="ann")
    cases.update_case(store, case.id, actor="ann", status="in_progress")
    notice = store.notices.create(
        NoticeDraft(
            "telegram",
            "Telegram",
            "email",
            "abuse@telegram.org",
            False,
            False,
            "Unit",
            "u@example.org",
            "s",
            "b",
            "post:s/1",
            "ann",
            [("s/1", "https://t.me/agency/5")],
        ),
        at=datetime(2026, 11, 2, tzinfo=UTC),
    )
    store.notices.transition(
        notice.id,
        expected=["draft"],
        new="sent",
        actor="sup",
        why="",
        at=datetime(2026, 11, 2, 1, tzinfo=UTC),
        fields={"sent_at": datetime(2026, 11, 2, 1, tzinfo=UTC)},
    )
    return case.id


def test_the_export_follows_htcds_and_holds_hashes_only(store: Store) -> None:
    case_id = _case(store)
    doc = export_case(store, case_id, actor="ann", organisation="Unit", referred_to="Cyber Cell Pune", why="referral")
    text = orjson.dumps(doc).decode()
    assert doc["case"]["cas_Status"] == "FollowUp" and doc["case"]["cas_ReferredOrganisation"] == "Cyber Cell Pune"
    assert doc["case"]["cas_ReasonForOutgoingReferral"] == "Other" and doc["organisation"]["org_Name"] == "Unit"
    assert doc["victim_context"]["vic_ExploitationWebsitesAndApps"] == ["Instagram", "Other", "Telegram"]
    assert doc["historic_trafficking_events"] == [
        {
            "hte_Type": "Exploitation",
            "hte_Date": "2026-11-01",
            "hte_City": "Pune",
            "hte_Description": "ad s/3 posted at https://www.instagram.com/p/x (a lead, not a verified event)",
        }
    ]
    (m,) = doc["mandatory_reporting"]
    assert m["post_id"] == "s/2" and len(m["sha256"]) == 64 and m["bank"] == "abuse-bank"
    assert "a.png" not in text  # the picture's reference (a path) is never exported, only its hash
    post1 = next(p for p in doc["posts"] if p["id"] == "s/1")
    assert 'the ad says "no limit" (services)' in post1["grounds"]
    (n,) = doc["notices"]
    assert (n["state"], n["sent_at"], n["urls"]) == ("sent", "2026-11-02T01:00:00+00:00", ["https://t.me/agency/5"])
    assert any(e.action == "case.export" and e.target == f"case:{case_id}" for e in audit.entries(store))
    with pytest.raises(cases.CaseError):
        export_case(store, 999, actor="ann")


def test_platform_names_map_to_the_htcds_picklist() -> None:
    assert htcds_app("m.facebook.com") == "Facebook"
    assert htcds_app("wa.me") == "WhatsApp"
    assert htcds_app("telegram") == "Telegram"
    assert htcds_app("notx.com") == "Other"


def test_the_export_command_writes_the_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(url) as store:
        case_id = _case(store)
    out = tmp_path / "case.json"
    done = subprocess.run(
        [
            TIPWATCH,
            "cases",
            "export",
            str(case_id),
            "--to",
            "Cyber Cell",
            "--out",
            str(out),
            "--by",
            "ann",
            "--db",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["case"]["cas_ReferredOrganisation"] == "Cyber Cell" and len(doc["posts"]) == 3


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _hostile_case(store: Store) -> int:
    """A case whose title, note and ad text carry markup (ad text is hostile input), with an abuse-bank match."""
    case_id = _case(store)
    run = store.runs.start("test", [], None)
    sink = store.runs.sink(run)
    text = f"Sweet girls {HOSTILE}\nno limit"
    hit = IndicatorHit("no_limit", "services", 1.5, 0, len(text.split("\n")[0]), text.split("\n")[0])
    post = Post(
        id="s/4",
        source="s",
        position="line 4",
        title=text.split("\n")[0],
        body="no limit",
        url=f"https://ads.example/{HOSTILE}",
    )
    sink.write([PostResult(post, [], [hit], Assessment(0.9))])
    store.runs.finish(run, sink.counts, "ok")
    cases.add_posts(store, case_id, ["s/4"], actor="ann")
    cases.add_note(store, case_id, f"seen {HOSTILE}", author="ann")
    cases.update_case(store, case_id, actor="ann", title=f"Agency {HOSTILE}")
    return case_id


def test_the_html_export_escapes_ad_text_under_a_strict_policy(store: Store) -> None:
    case_id = _hostile_case(store)
    doc = export_case(store, case_id, actor="ann")
    html = render(doc, "html").decode()
    assert "<script>" not in html and "<img" not in html  # no markup of ours nor of the ad's
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "the ad says &#34;Sweet girls &lt;script&gt;" in html  # the grounds quote the ad, escaped
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None
    rules = unescape(policy.group(1))  # the attribute's quotes are entities; the browser reads them as quotes
    assert "default-src 'none'" in rules and "script-src 'none'" in rules and "img-src 'none'" in rules
    # Mandatory reporting: the abuse match as its hash, and no picture in any form.
    sha = doc["mandatory_reporting"][0]["sha256"]
    assert sha in html and "data:image" not in html and "Mandatory reporting" in html


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no Chromium at /usr/bin/chromium")
def test_the_pdf_export_is_a_pdf_naming_the_case(store: Store) -> None:
    case_id = _hostile_case(store)
    data = render(export_case(store, case_id, actor="ann"), "pdf")
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert f"Case {case_id}: Agency <script>alert(1)" in text  # printed as text, not run
    assert "Mandatory reporting" in text
    assert not any("/Image" in str(page.get("/Resources", {}).get("/XObject", {})) for page in reader.pages)


def test_an_unknown_format_is_refused(store: Store) -> None:
    doc = export_case(store, _case(store), actor="ann")
    with pytest.raises(ExportError, match="format must be one of json, html, pdf"):
        render(doc, "docx")
