"""Media inside `tipwatch analyze`: images hashed and stored, bank matches flag posts, restricted images never shown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from tipwatch.sources.convert import source_id_of
from tipwatch.store.media_tables import media_items

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")


def tw(*args: str) -> subprocess.CompletedProcess[bytes]:
    done = subprocess.run([TIPWATCH, *args], capture_output=True, timeout=600)
    assert done.returncode == 0, (args, done.stderr.decode())
    return done


def test_analyze_hashes_images_and_flags_abuse_bank_matches(tmp_path: Path) -> None:
    posts, truth, imgs = tmp_path / "posts.jsonl", tmp_path / "truth.jsonl", tmp_path / "imgs"
    tw("synth", "--n", "150", "--seed", "2", "--out", str(posts), "--truth", str(truth), "--images", str(imgs))
    rows = [json.loads(x) for x in posts.read_text(encoding="utf-8").splitlines()]
    target = next(p for p in rows if p["images"])
    flagged_image = target["images"][0]
    users = {p["id"] for p in rows if flagged_image in p["images"]}
    url = f"sqlite:///{tmp_path / 'store.db'}"
    tw("banks", "create", "hotline", "--source", "test list", "--licence", "test", "--abuse-material", "--db", url)
    tw("banks", "add", "hotline", str(imgs / flagged_image), "--db", url)
    # A broken "image" among the files: rejected with a reason, the post itself still stored.
    if rows[-1]["images"]:
        (imgs / rows[-1]["images"][0]).write_bytes(b"not a jpeg")
    done = tw("analyze", str(posts), "--images", str(imgs), "--db", url, "--report", str(tmp_path / "rep"))
    assert b"images:" in done.stderr

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ok = conn.execute(sa.select(sa.func.count()).where(media_items.c.status == "ok")).scalar_one()
    engine.dispose()
    referenced = sum(len(set(p["images"])) for p in rows)
    assert ok >= referenced - 1 > 0

    queue = [json.loads(x) for x in tw("banks", "reports", "--db", url).stdout.splitlines()]
    assert {source_id_of(q["post_id"]) for q in queue} >= users  # store keys carry a namespace
    html = (tmp_path / "rep" / "index.html").read_text(encoding="utf-8")
    assert flagged_image not in html
    for export in ("posts.jsonl", "posts.csv"):
        assert flagged_image not in (tmp_path / "rep" / export).read_text(encoding="utf-8-sig")
    shown = [p for p in rows if p["images"] and p["id"] not in users and p["images"][0] in html]
    assert shown, "image references of unrestricted posts are listed (as text) in the report"
    if rows[-1]["images"] and rows[-1]["id"] not in users:
        q = [json.loads(x) for x in (tmp_path / "rep" / "quarantine.jsonl").read_text().splitlines()]
        assert any("image rejected" in x["reason"] and rows[-1]["images"][0] in x["position"] for x in q)
