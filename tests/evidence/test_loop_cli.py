"""The whole loop of issue 11 from the command line, through the real `tipwatch` commands, against an ad site and
an SMTP server (aiosmtpd) on 127.0.0.1: find the post, capture it into a case, export the bundle and verify it with
the public key alone (and its RFC 3161 timestamp, from OpenSSL's TSA on 127.0.0.1, with the TSA's root), export the
case as HTML and PDF with the bundle attached, draft a notice, approve it as
another supervisor (the drafter is refused), send it (the mail arrives), take the ad down, re-check, and see the
notice removed with its time to removal."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from evidence_site import serve
from tsa_server import OPENSSL, serve_tsa

from tipwatch.model import Assessment, IndicatorHit, Post, PostResult
from tipwatch.services import accounts
from tipwatch.store.facade import open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notices"))
from notice_helpers import local_settings, smtp_server

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")
PASSWORD = "a long enough password"
pytestmark = [
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no Chromium at /usr/bin/chromium"),
    pytest.mark.skipif(OPENSSL is None, reason="no openssl for the local timestamp authority"),
]


def test_the_evidence_and_notice_loop_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with serve() as site, smtp_server() as (box, port), serve_tsa(tmp_path / "tsa") as tsa:
        with open_store(url) as store:
            run = store.runs.start("test", [], None)
            sink = store.runs.sink(run)
            text = "New in town\ncall 555 0101, no limit"
            hit = IndicatorHit("no_limit", "services", 1.5, text.index("no limit"), len(text), "no limit")
            post = Post(
                id="adsite/1",
                source="s",
                position="line 1",
                title="New in town",
                body=text.split("\n")[1],
                url=site.url("/ad/1"),
            )
            sink.write([PostResult(post, [], [hit], Assessment(0.8))])
            store.runs.finish(run, sink.counts, "ok")
            for name, role in (("ana", "analyst"), ("sue", "supervisor"), ("sam", "supervisor")):
                accounts.add_user(store, name, PASSWORD, role=role, actor="test")
        config = tmp_path / "tipwatch.yaml"
        notices = local_settings(tmp_path, webhook=site.url("/hook"), smtp_port=port)
        config.write_text(
            yaml.safe_dump(
                {
                    "database_url": url,
                    "data_dir": str(tmp_path / "data"),
                    "notices": notices,
                    "tsa_url": tsa.url,  # bundles are timestamped by a real (OpenSSL) TSA on 127.0.0.1
                    "tsa_allow_private": True,
                }
            ),
            encoding="utf-8",
        )

        def tw(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
            done = subprocess.run(
                [TIPWATCH, "--config", str(config), *args], capture_output=True, text=True, timeout=600, input=stdin
            )
            return done

        # Find the post.
        found = tw("search", "town", "--json")
        assert found.returncode == 0, found.stderr
        assert [json.loads(line)["post_id"] for line in found.stdout.splitlines()] == ["adsite/1"]

        # Open a case, capture the post's page into it.
        case = tw("cases", "create", "Ring on the ad site", "--by", "ana").stdout.strip()
        captured = tw("capture", site.url("/ad/1"), "--case", case, "--allow-private-addresses", "--by", "ana")
        assert captured.returncode == 0 and captured.stdout.split() == ["1"], captured.stderr

        # Export the bundle; verify it with nothing but the bundle and the public key.
        key = tmp_path / "public.pem"
        key.write_text(tw("evidence", "key", "--public").stdout)
        bundle = tmp_path / "case.wacz"
        exported = tw("evidence", "export", "--case", case, "--out", str(bundle), "--no-pdf", "--by", "ana")
        assert exported.returncode == 0, exported.stderr
        verified = tw("evidence", "verify", str(bundle), "--public-key", str(key), "--tsa-roots", str(tsa.roots))
        assert verified.returncode == 0 and verified.stdout.strip() == f"OK {bundle}", verified.stderr
        assert "RFC 3161 timestamp" in verified.stderr and "verifies with the given TSA roots" in verified.stderr

        # The case for an authority: PDF and HTML, each with its bundle beside it; JSON on stdout as before.
        pdf = tmp_path / "case.pdf"
        full = ("--level", "full", "--why", "referral to the unit")
        # The bundle holds the pages as captured: it goes only with a full export.
        redacted = tw("cases", "export", case, "--format", "pdf", "--out", str(pdf), "--with-bundle")
        assert redacted.returncode == 2 and "only to a full export" in redacted.stderr
        made = tw("cases", "export", case, "--format", "pdf", "--out", str(pdf), "--with-bundle", *full, "--by", "ana")
        assert made.returncode == 0, made.stderr
        assert pdf.read_bytes().startswith(b"%PDF-") and "case-evidence.wacz" in made.stderr
        assert tw("evidence", "verify", str(tmp_path / "case-evidence.wacz"), "--public-key", str(key)).returncode == 0
        html = tmp_path / "report.html"
        as_html = tw("cases", "export", case, "--format", "html", "--out", str(html), "--with-bundle", *full)
        assert as_html.returncode == 0, as_html.stderr
        page = html.read_text(encoding="utf-8")
        with zipfile.ZipFile(tmp_path / "report-evidence.wacz") as zf:
            digest = json.loads(zf.read("datapackage-digest.json"))["hash"].removeprefix("sha256:")
        assert digest in page and "report-evidence.wacz" in page  # the page names the bundle it goes with
        doc = json.loads(tw("cases", "export", case, *full).stdout)
        assert doc["case"]["id"] == int(case) and doc["evidence"][0]["url"] == site.url("/ad/1")
        masked = json.loads(tw("cases", "export", case).stdout)  # redacted by default: no captured page's address
        assert masked["export_level"] == "redacted" and site.url("/ad/1") not in json.dumps(masked)
        assert doc["evidence_bundle"] is None
        assert tw("cases", "export", case, "--format", "pdf").returncode == 2  # a PDF needs --out

        # Draft, approve (never by the drafter), send.
        drafted = tw("notices", "draft", "--post", "adsite/1", "--by", "sue")
        assert drafted.returncode == 0, drafted.stderr
        nid = drafted.stdout.strip()
        own = tw("notices", "approve", nid, "--as", "sue", stdin=PASSWORD + "\n")
        assert own.returncode == 2 and "another person must approve" in own.stderr
        ok = tw("notices", "approve", nid, "--as", "sam", stdin=PASSWORD + "\n")
        assert ok.returncode == 0, ok.stderr
        sent = tw("notices", "send", nid, "--by", "sam")
        assert sent.returncode == 0 and "sent to abuse@adsite.test" in sent.stderr, sent.stderr
        assert len(box.messages) == 1 and site.url("/ad/1").encode() in box.messages[0][2]

        # Track until removal.
        assert f"notice {nid}: removed" not in tw("notices", "recheck").stderr
        site.pages.pop("/ad/1")
        checked = tw("notices", "recheck")
        assert checked.returncode == 0 and f"notice {nid}: removed" in checked.stderr, checked.stderr
        (listed,) = json.loads(tw("notices", "list", "--json").stdout)
        assert listed["state"] == "removed" and listed["hours_to_removal"] is not None
        assert listed["hours_to_removal"] >= 0
