"""`tipwatch notices` through the real command (SQLite file, a config file, local SMTP server and test site): draft,
approval as an authenticated supervisor (never the drafter), send, list --json, recheck, report CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import yaml
from notice_helpers import AD, local_settings, serve_site, smtp_server, store_posts

from tipwatch.services import accounts
from tipwatch.store.facade import open_store

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")
PASSWORD = "a long enough password"


def tw(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([TIPWATCH, *args], capture_output=True, text=True, timeout=600, input=stdin)


def test_the_notice_loop_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with serve_site() as site, smtp_server() as (box, port):
        site.pages["/ad/1"] = (200, AD)
        with open_store(url) as store:
            store_posts(store, [("s/1", site.url("/ad/1"))])
            accounts.add_user(store, "ann", PASSWORD, role="supervisor", actor="test")
            accounts.add_user(store, "sup", PASSWORD, role="supervisor", actor="test")
            accounts.add_user(store, "ana", PASSWORD, role="analyst", actor="test")
        config = tmp_path / "tipwatch.yaml"
        settings = local_settings(tmp_path, webhook=site.url("/hook"), smtp_port=port)
        config.write_text(yaml.safe_dump({"database_url": url, "notices": settings}), encoding="utf-8")
        cfg = ("--config", str(config))

        done = tw(*cfg, "notices", "draft", "--post", "s/1", "--by", "ann")
        assert done.returncode == 0, done.stderr
        nid = done.stdout.strip()
        assert nid.isdigit() and "drafted for Ad Site" in done.stderr
        # the drafter cannot approve, even as a supervisor with the right password; nor an analyst; nor a wrong
        # password
        own = tw(*cfg, "notices", "approve", nid, "--as", "ann", stdin=PASSWORD + "\n")
        assert own.returncode == 2 and "another person must approve" in own.stderr
        low = tw(*cfg, "notices", "approve", nid, "--as", "ana", stdin=PASSWORD + "\n")
        assert low.returncode == 2 and "only a supervisor" in low.stderr
        wrong = tw(*cfg, "notices", "approve", nid, "--as", "sup", stdin="not it\n")
        assert wrong.returncode == 1 and "wrong user name or password" in wrong.stderr
        ok = tw(*cfg, "notices", "approve", nid, "--as", "sup", "--why", "read it", stdin=PASSWORD + "\n")
        assert ok.returncode == 0 and f"notice {nid} approved by sup" in ok.stderr, ok.stderr

        sent = tw(*cfg, "notices", "send", nid, "--by", "sup")
        assert sent.returncode == 0 and "sent to abuse@adsite.test" in sent.stderr, sent.stderr
        assert len(box.messages) == 1
        listed = json.loads(tw(*cfg, "notices", "list", "--json").stdout)
        assert [(n["id"], n["state"], n["approved_by"]) for n in listed] == [(int(nid), "sent", "sup")]
        assert listed[0]["sent_at"] and listed[0]["urls"][0]["url"] == site.url("/ad/1")
        assert listed[0]["actual_knowledge_at"] == listed[0]["sent_at"]

        site.pages.pop("/ad/1")
        checked = tw(*cfg, "notices", "recheck")
        assert checked.returncode == 0 and f"notice {nid}: removed" in checked.stderr, checked.stderr
        shown = tw(*cfg, "notices", "show", nid)
        assert "HTTP 404" in shown.stdout and "sent -> removed" in shown.stdout

    report = tw(*cfg, "notices", "report", "--from", "2000-01-01", "--to", "2100-01-01")
    assert report.returncode == 0, report.stderr
    (row,) = list(csv.DictReader(io.StringIO(report.stdout)))
    assert (row["platform"], row["sent"], row["removed"]) == ("adsite", "1", "1")
    assert float(row["median_hours_to_removal"]) >= 0
    as_json = json.loads(
        tw(*cfg, "notices", "report", "--from", "2000-01-01", "--to", "2100-01-01", "--format", "json").stdout
    )
    assert as_json["platforms"][0]["removed"] == 1
    bad = tw(*cfg, "notices", "report", "--from", "yesterday", "--to", "2100-01-01")
    assert bad.returncode == 2 and "--from: not a date" in bad.stderr
