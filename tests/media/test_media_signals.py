"""Signal types come from the registry: built-ins keep their names and forms, and a new type is one file plus its
registration (tests/media/plugin_ahash.py) that banks, formats, hashing, matching and analyze then handle."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import sqlalchemy as sa
from media_helpers import photo
from PIL import Image, ImageDraw

from tipwatch.media import pdq
from tipwatch.media.formats import EntryIn, detect, formats, parse, write
from tipwatch.media.signal_types import SignalType, lookup, names, register, signal_type, unregister
from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.services.banks import add_entries, add_images, create_bank, export_bank, import_file, iter_entries
from tipwatch.services.matching import hash_inputs, load_index
from tipwatch.store.facade import Store
from tipwatch.store.media_tables import media_items, media_matches


def test_builtin_types_names_and_aliases() -> None:
    assert names() == ("pdq", "md5", "sha256")
    assert formats() == ("csv", "md5", "sha256", "te", "threatexchange")
    for alias, name in [("photo_pdq", "pdq"), ("PDQ_HASH", "pdq"), ("video_md5", "md5"), ("photo_md5", "md5")]:
        found = lookup(alias)
        assert found is not None and found.name == name
    assert lookup(" SHA-256 ") is signal_type("sha256") and lookup("tlsh") is None
    assert [signal_type(n).exact for n in names()] == [False, True, True]
    assert signal_type("pdq").default_threshold == pdq.DEFAULT_THRESHOLD
    # te exports use python-threatexchange's names, so an HMA local-file exchange reads them.
    assert [signal_type(n).te_name for n in names()] == ["pdq", "video_md5", "video_sha256"]


def test_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: pdq, md5, sha256"):
        signal_type("tlsh")


def test_normalize_and_compare_with_reasons() -> None:
    md5 = signal_type("md5")
    assert md5.normalize(" " + "AB" * 16 + " ") == "ab" * 16
    with pytest.raises(ValueError, match="md5 hash must have 32 hex digits, got 30"):
        md5.normalize("ab" * 15)
    with pytest.raises(ValueError, match="not hexadecimal"):
        md5.normalize("zz" * 16)
    assert md5.compare("ab" * 16, "ab" * 16) == (True, 0) and md5.compare("ab" * 16, "ac" * 16).match is False
    near = signal_type("pdq")
    a, b = "0" * 64, "0" * 56 + "ffffffff"  # 32 bits apart
    assert near.distance(a, b) == 32 and not near.compare(a, b).match and near.compare(a, b, threshold=32).match


def test_registration_refuses_clashes_and_unstorable_types() -> None:
    class Clash(SignalType):
        name = "md5x"
        aliases: ClassVar[tuple[str, ...]] = ("video_md5",)
        bits = 128

    with pytest.raises(ValueError, match="video_md5 already name"):
        register(Clash)

    class TooLong(SignalType):
        name = "huge"
        bits = 512

    with pytest.raises(ValueError, match="bits must be a multiple of 8"):
        register(TooLong)
    assert names() == ("pdq", "md5", "sha256")


@pytest.fixture
def ahash() -> Iterator[SignalType]:
    # Loading the plugin file runs its @register: nothing else is changed anywhere.
    spec = importlib.util.spec_from_file_location("plugin_ahash", Path(__file__).with_name("plugin_ahash.py"))
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    yield signal_type("ahash")
    unregister("ahash")


@pytest.fixture
def pictures(tmp_path: Path) -> Path:
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    original = photo(31)
    original.save(imgs / "known.png")
    # The same picture as an ad would carry it: a caption box pasted in a corner, smaller, a low-quality JPEG.
    repost = original.copy()
    ImageDraw.Draw(repost).rectangle((0, 0, 160, 60), fill=(255, 255, 255))
    repost.resize((320, 240), Image.Resampling.BILINEAR).save(imgs / "repost.jpg", quality=55)
    photo(32).save(imgs / "other.png")
    return imgs


def test_registered_type_is_parsed_written_and_validated(ahash: SignalType) -> None:
    assert names() == ("pdq", "md5", "sha256", "ahash")
    value = "00ff00ff00ff00ff"
    got = parse(f"average_hash,{value}\nahash 00ff\n", "te")
    assert got.entries == [EntryIn("ahash", value)]
    assert got.errors == [(2, "ahash hash must have 16 hex digits, got 4")]
    assert detect(f"photo_ahash {value}\n") == "te"
    assert detect(f"{value}\n") is None  # a bare 16-hex list has no plain format: the caller must say
    assert write([EntryIn("ahash", value)], "te") == f"ahash {value}\n"
    assert parse(f"ahash,case\n{value},V1\n", "csv").entries == [EntryIn("ahash", value, {"case": "V1"})]


def test_registered_type_hashes_imports_and_matches_in_analyze(
    ahash: SignalType, pictures: Path, store: Store, db_url: str, tmp_path: Path
) -> None:
    # tipwatch's services hash an image with it, beside the built-in hashes (the `tipwatch hash` fields unchanged).
    [(_, known)] = list(hash_inputs([str(pictures / "known.png")], workers=1))
    [(_, repost)] = list(hash_inputs([str(pictures / "repost.jpg")], workers=1))
    assert known.pdq and known.sha256 and set(known.signals) == {"ahash"}
    line = known.as_json("known.png")
    assert list(line) == ["file", "sha256", "md5", "pdq", "quality", "signals"]
    distance = ahash.distance(known.signals["ahash"], repost.signals["ahash"])
    assert 0 < distance <= ahash.default_threshold, "the repost should be near, not equal"

    # A bank of the new type imports from CSV and te formats; lines of the wrong length are reported, not stored.
    create_bank(store, "victims ahash", source="unit 4", licence="case use", signal_types=["ahash"])
    csv_file = tmp_path / "list.csv"
    csv_file.write_text(f"ahash,case\n{known.signals['ahash']},V1\nabc,V2\n", encoding="utf-8")
    bad: list[tuple[int, str]] = []
    got = import_file(store, "victims ahash", csv_file, on_bad_line=lambda n, r: bad.append((n, r)))
    assert (got.format, got.added.added, got.bad_lines) == ("csv", 1, 1)
    assert bad == [(3, "ahash hash must have 16 hex digits, got 3")]
    te_file = tmp_path / "list.te"
    other = hash_inputs([str(pictures / "other.png")], workers=1)
    te_file.write_text("".join(f"photo_ahash {h.signals['ahash']}\n" for _, h in other), encoding="utf-8")
    assert import_file(store, "victims ahash", te_file).added.added == 1
    assert export_bank(store, "victims ahash", "te").splitlines()[0] == f"ahash {known.signals['ahash']}"
    assert [e.meta for e in iter_entries(store, "victims ahash")] == [{"case": "V1"}, {}]

    # `banks add` keeps only the types the bank holds.
    create_bank(store, "added", source="s", licence="l", signal_types=["ahash"])
    result, problems = add_images(store, "added", [pictures / "known.png"])
    assert (result.added, problems) == (1, 0)

    # The match index holds it as a near type; an image of a post analyzed by services.analyze matches the bank.
    assert "ahash" in load_index(store).near
    posts = tmp_path / "posts.jsonl"
    posts.write_text(
        json.dumps({"id": "ad1", "kind": "escort_ad", "body": "new girl in town", "images": ["repost.jpg"]})
        + "\n"
        + json.dumps({"id": "ad2", "kind": "job_ad", "body": "drivers wanted", "images": ["unrelated.png"]})
        + "\n",
        encoding="utf-8",
    )
    photo(77).save(pictures / "unrelated.png")
    req = AnalyzeRequest(inputs=[posts], images=pictures, workers=1, link=False, quarantine_path=tmp_path / "q.jsonl")
    done = analyze(store, req, data_dir=tmp_path)
    assert done.counts.reconciles and done.images_seen == 2

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            hits = conn.execute(
                sa.select(
                    media_matches.c.ref, media_matches.c.signal_type, media_matches.c.distance, media_matches.c.variant
                )
            ).all()
            stored = dict(conn.execute(sa.select(media_items.c.ref, media_items.c.signals)).all())
    finally:
        engine.dispose()
    # Two banks hold the known picture's ahash (imported and added): one hit in each, at the measured distance.
    assert sorted(hits) == [("repost.jpg", "ahash", distance, "original")] * 2
    assert stored["repost.jpg"] == {"ahash": repost.signals["ahash"]}
    assert set(stored["unrelated.png"]) == {"ahash"}


def test_unregistered_type_is_left_out(ahash: SignalType, store: Store) -> None:
    create_bank(store, "b", source="s", licence="l", signal_types=["ahash", "md5"])
    add_entries(store, "b", [EntryIn("ahash", "00ff00ff00ff00ff"), EntryIn("md5", "ab" * 16)])
    unregister("ahash")
    # Its entries stay in the store but are not indexed; the bank's other types still are.
    index = load_index(store)
    assert len(index) == 1 and "ahash" not in index.near
    assert "ahash" not in names()
