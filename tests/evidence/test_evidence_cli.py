"""`tipwatch capture` and `tipwatch evidence` through the real commands: capture a stored post's page into a case,
export the bundle, verify it with the exported public key, and see a changed bundle fail with exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import orjson
import pytest
from evidence_site import serve

from tipwatch.model import Assessment, Post, PostResult
from tipwatch.store.db import open_engine
from tipwatch.store.writer import PostWriter, finish_run, start_run

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")
pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no Chromium at /usr/bin/chromium")


def test_capture_export_verify_round_trip(tmp_path: Path) -> None:
    env = {**os.environ, "TIPWATCH_DATA_DIR": str(tmp_path / "data")}

    def tw(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([TIPWATCH, *args], capture_output=True, text=True, timeout=300, env=env)

    url = f"sqlite:///{tmp_path / 'store.db'}"
    with serve() as site:
        engine = open_engine(url)
        run = start_run(engine, "test", [], None)
        writer = PostWriter(engine, run)
        post = Post(id="site1/7", source="s", position="line 1", title="t", body="b", url=site.url("/ad/1"))
        writer.write([PostResult(post, [], [], Assessment(0.5))])
        finish_run(engine, run, writer.counts, "ok")
        engine.dispose()
        case_id = tw("cases", "create", "Ring", "--by", "ana", "--db", url).stdout.strip()

        refused = tw("capture", site.url("/ad/1"), "--case", case_id, "--db", url)
        assert refused.returncode == 1 and "loopback" in refused.stderr
        assert "--allow-private-addresses" in refused.stderr

        done = tw(
            "capture",
            site.url("/ad/1"),
            site.url("/missing"),
            "--case",
            case_id,
            "--purpose",
            "ad of the ring",
            "--allow-private-addresses",
            "--by",
            "ana",
            "--db",
            url,
        )
    # One page captured, one refused: exit 1, the captured item's id on stdout, the failure named.
    assert done.returncode == 1, done.stderr
    assert done.stdout.split() == ["1"]
    assert f"not captured: {site.url('/missing')}: the server answered HTTP 404" in done.stderr

    listed = tw("evidence", "list", "--case", case_id, "--json", "--db", url)
    items = orjson.loads(listed.stdout)
    assert items[0]["post_id"] == "site1/7" and items[0]["purpose"] == "ad of the ring"

    shown = tw("evidence", "show", "1", "--why", "check", "--by", "bob", "--db", url)
    assert [e["action"] for e in orjson.loads(shown.stdout)["custody"]] == ["captured", "viewed"]

    key = tw("evidence", "key", "--public")
    assert key.returncode == 0 and key.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    (tmp_path / "pub.pem").write_text(key.stdout)

    out = tmp_path / "case.wacz"
    exported = tw("evidence", "export", "--case", case_id, "--out", str(out), "--no-pdf", "--db", url)
    assert exported.returncode == 0, exported.stderr
    ok = tw("evidence", "verify", str(out), "--public-key", str(tmp_path / "pub.pem"))
    assert ok.returncode == 0 and ok.stdout.strip() == f"OK {out}", ok.stderr

    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(out) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "evidence/item-1/page.html":
                data = data.replace(b"555 0101", b"555 0102")
            zout.writestr(info, data)
    failed = tw("evidence", "verify", str(bad), "--public-key", str(tmp_path / "pub.pem"))
    assert failed.returncode == 1
    assert "verification FAILED: evidence/item-1/page.html: its SHA-256 or size does not match" in failed.stderr
    assert tw("evidence", "export", "--case", "99", "--out", str(bad), "--db", url).returncode == 2
