"""Face search: ranked candidates, accountability, the append-only log, retention; the model's behaviour on
transformed copies of scikit-image's astronaut photo (a public-domain NASA portrait shipped with the package)."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from tipwatch.media.faces.model import Face, available
from tipwatch.media.faces.search import rank_candidates
from tipwatch.services.faces import (
    EnrolPhoto,
    FaceRegistryError,
    add_embeddings,
    enrol_person,
    load_registry,
    purge_expired,
    search_and_log,
    search_log,
    verify_log,
)
from tipwatch.store.facade import Store

FUTURE = date.today() + timedelta(days=365)
needs_model = pytest.mark.skipif(
    not available(), reason="faces extra not installed (dlib-bin, face-recognition-models)"
)


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, 128)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True) * 0.9


def _enrol(store: Store, case: str, emb: np.ndarray, until: date = FUTURE) -> int:
    return enrol_person(
        store,
        case_ref=case,
        label=f"person {case}",
        enrolled_by="officer 1",
        legal_basis="missing-person investigation",
        consent="guardian, form 12",
        retention_until=until,
        photos=[EnrolPhoto(f"{case}.jpg", "00" * 32, [Face((0, 10, 10, 0), emb)])],
    ).person_id


def test_ranked_candidates_and_log(store: Store) -> None:
    rng = np.random.default_rng(0)
    people = _unit(rng, 3)
    ids = [_enrol(store, f"case-{i}", people[i]) for i in range(3)]
    add_embeddings(store, ids[1], [("second.jpg", "11" * 32, people[1] + 0.05)])
    query = Face((1, 2, 3, 4), people[1] + 0.02)
    out = search_and_log(
        store,
        query_faces=[query],
        query_ref="ad-77.jpg",
        query_sha256="22" * 32,
        searched_by="analyst 3",
        purpose="missing person case-1",
        legal_basis="police act s.12",
        case_ref="case-1",
        max_distance=2.0,
    )
    cands = out.faces[0]["candidates"]
    assert cands[0]["person_id"] == ids[1]  # closest first
    assert len({c["person_id"] for c in cands}) == len(cands) == 3  # one row per person, not per photo
    assert [c["rank"] for c in cands] == [1, 2, 3]
    assert all("match" not in c and "identified" not in c for c in cands)  # candidates, never a yes/no
    assert cands == sorted(cands, key=lambda c: c["distance"])
    log = search_log(store)
    assert len(log) == 1 and log[0]["id"] == out.log_id
    assert (log[0]["searched_by"], log[0]["purpose"], log[0]["legal_basis"]) == (
        "analyst 3",
        "missing person case-1",
        "police act s.12",
    )
    assert log[0]["results"] == out.faces and log[0]["faces_in_query"] == 1
    # Default cut-off 0.6: unrelated persons (distance ~1.3 here) are not listed at all.
    near = search_and_log(
        store,
        query_faces=[query],
        query_ref="ad-77.jpg",
        query_sha256="22" * 32,
        searched_by="analyst 3",
        purpose="p",
        legal_basis="b",
    )
    assert [c["person_id"] for c in near.faces[0]["candidates"]] == [ids[1]]
    assert verify_log(store) == [] and len(search_log(store)) == 2


def test_search_needs_who_why_and_basis(store: Store) -> None:
    face = Face((0, 1, 1, 0), np.zeros(128, np.float32))
    for missing in ("searched_by", "purpose", "legal_basis"):
        kwargs = {"searched_by": "a", "purpose": "b", "legal_basis": "c", missing: "  "}
        with pytest.raises(FaceRegistryError, match=missing):
            search_and_log(store, query_faces=[face], query_ref="q", query_sha256="0" * 64, **kwargs)
    assert search_log(store) == []
    # A search that finds no face is logged too.
    search_and_log(
        store, query_faces=[], query_ref="q", query_sha256="0" * 64, searched_by="a", purpose="b", legal_basis="c"
    )
    assert search_log(store)[0]["faces_in_query"] == 0


def test_log_is_append_only_and_chained(engine: Engine, store: Store) -> None:
    face = Face((0, 1, 1, 0), np.zeros(128, np.float32))
    for who in ("a", "b", "c"):
        search_and_log(
            store,
            query_faces=[face],
            query_ref="q",
            query_sha256="0" * 64,
            searched_by=who,
            purpose="p",
            legal_basis="l",
        )
    for statement in ("UPDATE face_search_log SET purpose = 'x'", "DELETE FROM face_search_log"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert len(search_log(store)) == 3 and verify_log(store) == []
    if engine.dialect.name == "sqlite":  # with the guard removed by hand, tampering still shows in the chain
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER face_search_log_no_update"))
            conn.execute(text("DROP TRIGGER face_search_log_no_delete"))
            conn.execute(text("UPDATE face_search_log SET searched_by = 'nobody' WHERE id = 2"))
            conn.execute(text("DELETE FROM face_search_log WHERE id = 3"))
        problems = verify_log(store)
        assert problems == ["entry 2: content does not match its hash (edited)"]


def test_enrolment_rules_and_retention(store: Store) -> None:
    rng = np.random.default_rng(1)
    emb = _unit(rng, 2)
    base = {
        "case_ref": "c",
        "label": "",
        "enrolled_by": "o",
        "legal_basis": "b",
        "consent": "guardian",
        "retention_until": FUTURE,
    }
    with pytest.raises(FaceRegistryError, match="consent"):
        enrol_person(store, **{**base, "consent": ""}, photos=[EnrolPhoto("a", "0", [Face((0, 1, 1, 0), emb[0])])])
    with pytest.raises(FaceRegistryError, match="not in the future"):
        enrol_person(store, **{**base, "retention_until": date.today()}, photos=[])
    two = [Face((0, 1, 1, 0), emb[0]), Face((0, 2, 2, 0), emb[1])]
    result = enrol_person(
        store, **base, photos=[EnrolPhoto("group.jpg", "0", two), EnrolPhoto("one.jpg", "0", two[:1])]
    )
    assert result.enrolled == ["one.jpg"] and "2 faces" in result.refused[0][1]
    with pytest.raises(FaceRegistryError, match="no face found"):
        enrol_person(store, **base, photos=[EnrolPhoto("empty.jpg", "0", [])])
    assert len(load_registry(store)) == 1
    later = date.today() + timedelta(days=400)
    assert len(load_registry(store, today=later)) == 0  # expired persons are never searched
    assert purge_expired(store, today=later) == 1 and len(load_registry(store)) == 0


def test_ranking_is_exact_and_fast_enough_on_a_large_registry() -> None:
    from tipwatch.media.faces.search import Registry

    rng = np.random.default_rng(2)
    emb = _unit(rng, 10_000)
    reg = Registry(np.arange(10_000), np.arange(10_000) // 2, emb, {}, {})
    query = emb[4321] + 0.01
    start = datetime.now(UTC)
    cands = rank_candidates(query, reg, top=5, max_distance=10)
    assert (datetime.now(UTC) - start).total_seconds() < 1.0
    d = np.linalg.norm(emb - query, axis=1)
    persons_by_best = []
    for i in np.argsort(d):
        p = int(i) // 2
        if p not in persons_by_best:
            persons_by_best.append(p)
    assert [c.person_id for c in cands] == persons_by_best[:5]


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    skimage_data = pytest.importorskip("skimage.data")
    return np.asarray(skimage_data.astronaut())


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


@needs_model
def test_model_finds_the_same_face_in_transformed_copies(astronaut: np.ndarray) -> None:
    from PIL import Image

    from tipwatch.media.faces.model import face_model

    model = face_model()
    enrolled = model.faces(astronaut[0:300, 100:350])
    assert len(enrolled) == 1
    ref = enrolled[0].embedding
    img = Image.fromarray(astronaut)
    variants = {
        "half size": np.asarray(img.resize((256, 256))),
        "jpeg q30": _jpeg(astronaut, 30),
        "mirrored": astronaut[:, ::-1],
        "cropped": astronaut[20:330, 50:400],
        "grayscale": np.asarray(img.convert("L").convert("RGB")),
    }
    for name, variant in variants.items():
        faces = model.faces(np.ascontiguousarray(variant))
        best = min(float(np.linalg.norm(f.embedding - ref)) for f in faces)
        assert best < 0.35, f"{name}: {best}"
    # Known limit (model card): the full photo also yields a false detection (the suit's patch), which stays far
    # from the face (about 0.74) but shows that detections need a human look.
    full = model.faces(astronaut)
    assert len(full) == 2 and float(np.linalg.norm(full[1].embedding - ref)) > 0.6
    # Known limit: faces under ~40 px are not detected at all (128 px photo).
    assert model.faces(np.asarray(img.resize((128, 128)))) == []


@needs_model
def test_faces_cli_enrol_search_log(tmp_path: Path, astronaut: np.ndarray) -> None:
    from PIL import Image

    from tipwatch.cli.main import app

    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'faces.db'}"
    enrol_photo = tmp_path / "enrol.png"
    Image.fromarray(astronaut[0:300, 100:350]).save(enrol_photo)
    ad = tmp_path / "ad.jpg"
    Image.fromarray(astronaut[:, ::-1]).resize((400, 400)).save(ad, quality=60)
    args = ["--case", "MP-1", "--by", "officer 1", "--legal-basis", "missing person", "--consent", "guardian"]
    enrolled = runner.invoke(
        app, ["faces", "enroll", str(enrol_photo), *args, "--retain-until", str(FUTURE), "--db", db]
    )
    assert enrolled.exit_code == 0, enrolled.output
    missing_purpose = runner.invoke(app, ["faces", "search", str(ad), "--by", "a", "--legal-basis", "b", "--db", db])
    assert missing_purpose.exit_code == 2  # usage error: --purpose is required
    found = runner.invoke(
        app, ["faces", "search", str(ad), "--by", "analyst", "--purpose", "MP-1", "--legal-basis", "b", "--db", db]
    )
    assert found.exit_code == 0, found.output
    rows = [json.loads(line) for line in found.stdout.splitlines()]
    assert rows[0]["candidates"][0]["case_ref"] == "MP-1" and rows[0]["candidates"][0]["distance"] < 0.4
    log = runner.invoke(app, ["faces", "log", "--db", db])
    assert log.exit_code == 0 and json.loads(log.stdout.splitlines()[0])["searched_by"] == "analyst"
