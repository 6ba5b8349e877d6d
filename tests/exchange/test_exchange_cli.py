"""`tipwatch exchange` and `tipwatch retention` through the real commands: two partners (SQLite files) exchange a
key, one exports selectors, the other matches them (JSON lines on stdout); a bad line exits 1 naming it; the
retention policy comes from a config file, runs dry by default, and erasure reports what went."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from exchange_helpers import PICTURES_A, PICTURES_B, POSTS_A, POSTS_B, SHARED_PHONES, build

from tipwatch.store.facade import open_store

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")
WHY = ["--purpose", "joint case 7", "--legal-basis", "BNSS s.94 request 12/2026"]


def tw(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "TIPWATCH_DATA_DIR": str(data)}
    return subprocess.run([TIPWATCH, *args], capture_output=True, text=True, timeout=600, env=env)


def test_two_partners_and_retention_from_the_command_line(tmp_path: Path) -> None:
    url_a, url_b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    with open_store(url_a) as a, open_store(url_b) as b:
        build(a, tmp_path / "A", POSTS_A, PICTURES_A, "siteA")
        build(b, tmp_path / "B", POSTS_B, PICTURES_B, "siteB")
    data_a, data_b = tmp_path / "data-a", tmp_path / "data-b"  # each partner's own server secret
    key_file = tmp_path / "group.key"
    done = tw("exchange", "key", "create", "--group", "g", "--out", str(key_file), "--db", url_a, data=data_a)
    assert done.returncode == 0, done.stderr
    assert key_file.stat().st_mode & 0o077 == 0
    done = tw("exchange", "key", "import", "--group", "g", str(key_file), "--db", url_b, data=data_b)
    assert done.returncode == 0 and "imported" in done.stderr, done.stderr

    selectors = tmp_path / "a.jsonl"
    done = tw(
        "exchange", "selectors", "export", "--group", "g", "--out", str(selectors), *WHY, "--db", url_a, data=data_a
    )
    assert done.returncode == 0, done.stderr
    text = selectors.read_text()
    assert SHARED_PHONES[0] not in text and "shared.one" not in text
    done = tw("exchange", "selectors", "match", "--group", "g", str(selectors), *WHY, "--db", url_b, data=data_b)
    assert done.returncode == 0, done.stderr
    matches = [json.loads(x) for x in done.stdout.splitlines()]
    assert {m["type"] for m in matches} >= {"phone", "email", "image_sha256", "image_pdq", "image_pdq_band"}
    assert all(set(m) == {"type", "selector", "post_ids", "network_ids"} for m in matches)
    assert sum(1 for m in matches if m["type"] == "phone") == len(SHARED_PHONES)

    with selectors.open("a") as fh:
        fh.write("{not json\n")
    lines = len(text.splitlines()) + 1
    done = tw("exchange", "selectors", "match", "--group", "g", str(selectors), *WHY, "--db", url_b, data=data_b)
    assert done.returncode == 1 and f"line {lines}: not JSON" in done.stderr
    assert f"{lines} line(s) = {lines - 1} selector(s) + 1 bad" in done.stderr
    assert [json.loads(x) for x in done.stdout.splitlines()] == matches
    # Without purpose and legal basis nothing runs; another data dir (server secret) cannot open the key.
    assert (
        tw("exchange", "selectors", "match", "--group", "g", str(selectors), "--db", url_b, data=data_b).returncode == 2
    )
    done = tw(
        "exchange",
        "selectors",
        "export",
        "--group",
        "g",
        "--out",
        str(tmp_path / "x"),
        *WHY,
        "--db",
        url_b,
        data=data_a,
    )
    assert done.returncode == 2 and "cannot be opened" in done.stderr

    config = tmp_path / "tipwatch.yaml"
    config.write_text("retention_days:\n  posts: 30\n  logs: 90\n")
    done = tw("--config", str(config), "retention", "run", "--db", url_b, data=data_b)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert not report["applied"] and {a["area"]: a["due"] for a in report["areas"]} == {"posts": 0, "logs": 0}
    config.write_text("retention_days:\n  posts: 0\n")
    assert tw("--config", str(config), "retention", "run", "--db", url_b, data=data_b).returncode == 2
    done = tw(
        "retention", "erase", "--identifier", f"phone:{SHARED_PHONES[0]}", "--why", "DR-1", "--db", url_b, data=data_b
    )
    assert done.returncode == 0, done.stderr
    erased = json.loads(done.stdout)
    assert erased["removed_posts"] == ["siteb/b1", "siteb/b5"] and erased["relinked"]
