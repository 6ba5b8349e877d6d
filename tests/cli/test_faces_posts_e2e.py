"""Face search over analyzed posts: ranked candidates per post image, every search logged, never a verdict."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tipwatch.media.faces.model import available

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")
pytestmark = pytest.mark.skipif(not available(), reason="faces extra not installed (dlib-bin, face-recognition-models)")


def tw(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([TIPWATCH, *args], capture_output=True, timeout=600)


def test_search_posts_finds_enrolled_face_in_an_ad_image(tmp_path: Path) -> None:
    astronaut = np.asarray(pytest.importorskip("skimage.data").astronaut())
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    Image.fromarray(astronaut[:, ::-1]).resize((400, 400)).save(imgs / "ad1.jpg", quality=60)  # mirrored, smaller
    gradient = np.tile(np.linspace(0, 255, 256, dtype=np.uint8), (256, 1))
    Image.fromarray(np.stack([gradient] * 3, axis=-1)).save(imgs / "ad2.jpg")  # no face
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        json.dumps({"id": "p1", "kind": "escort_ad", "body": "new girl in town", "images": ["ad1.jpg"]})
        + "\n"
        + json.dumps({"id": "p2", "kind": "job_ad", "body": "drivers wanted", "images": ["ad2.jpg"]})
        + "\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'store.db'}"
    done = tw(
        "analyze", str(posts), "--images", str(imgs), "--db", url, "--no-link", "--quarantine", str(tmp_path / "q")
    )
    assert done.returncode == 0, done.stderr.decode()
    enrol = tmp_path / "enrol.png"
    Image.fromarray(astronaut[0:300, 100:350]).save(enrol)
    until = str(date.today() + timedelta(days=30))
    enrolled = tw(
        "faces",
        "enroll",
        str(enrol),
        "--case",
        "MP-1",
        "--by",
        "officer 1",
        "--legal-basis",
        "missing person",
        "--consent",
        "guardian",
        "--retain-until",
        until,
        "--db",
        url,
    )
    assert enrolled.returncode == 0, enrolled.stderr.decode()

    no_purpose = tw("faces", "search-posts", "--by", "a", "--legal-basis", "b", "--db", url)
    assert no_purpose.returncode == 2

    found = tw(
        "faces",
        "search-posts",
        "--images",
        str(imgs),
        "--by",
        "analyst",
        "--purpose",
        "MP-1 search",
        "--legal-basis",
        "police request 7",
        "--db",
        url,
    )
    assert found.returncode == 0, found.stderr.decode()
    rows = [json.loads(x) for x in found.stdout.splitlines()]
    assert [r["post_id"] for r in rows] == ["posts.jsonl/p1"]  # p2's image has no face (keys: file name / id)
    best = rows[0]["candidates"][0]
    assert best["case_ref"] == "MP-1" and best["distance"] < 0.6 and rows[0]["image"] == "ad1.jpg"
    assert b"leads for human comparison" in found.stderr

    log = [json.loads(x) for x in tw("faces", "log", "--db", url).stdout.splitlines()]
    refs = {entry["query_ref"] for entry in log}
    assert {"post posts.jsonl/p1 image ad1.jpg", "post posts.jsonl/p2 image ad2.jpg"} <= refs
    assert all(e["searched_by"] == "analyst" and e["purpose"] == "MP-1 search" for e in log)
