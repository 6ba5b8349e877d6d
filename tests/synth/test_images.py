"""Images (issue 4's fixture): written, valid, reused by networks, varied as reposts vary them."""

from __future__ import annotations

import hashlib
import io
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
import pytest
from PIL import Image

from tipwatch.synth import generate
from tipwatch.synth.images import HEIGHT, WIDTH, image_bytes, seed_of

Pairs = list[tuple[dict[str, Any], dict[str, Any]]]


@pytest.fixture(scope="module")
def with_images(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Pairs]:
    folder = tmp_path_factory.mktemp("images")
    return folder, list(generate(700, 4, images_dir=folder))


def _pdq(img: Image.Image) -> np.ndarray:
    vector, _quality = pdqhash.compute(np.asarray(img.convert("RGB")))
    return vector.astype(bool)


def _distance(a: np.ndarray, b: np.ndarray) -> int:
    return int((a != b).sum())


def test_every_referenced_image_is_a_valid_jpeg(with_images: tuple[Path, Pairs]) -> None:
    folder, pairs = with_images
    referenced = {name for post, _ in pairs for name in post["images"]}
    assert len(referenced) > 300
    on_disk = {p.name for p in folder.iterdir()}
    assert on_disk == referenced  # all written, nothing extra, no leftover partial files
    for name in sorted(referenced)[:150]:
        with Image.open(folder / name) as img:
            img.verify()
        with Image.open(folder / name) as img:
            assert img.format == "JPEG" and img.mode == "RGB"
            assert img.width <= WIDTH and img.height <= HEIGHT


def test_networks_reuse_images_and_one_offs_do_not(with_images: tuple[Path, Pairs]) -> None:
    _, pairs = with_images
    users: dict[str, set[str]] = defaultdict(set)
    owner: dict[str, set[str | None]] = defaultdict(set)
    for post, truth in pairs:
        for name in post["images"]:
            users[name].add(post["id"])
            owner[name].add(truth["network_id"])
    reused = [name for name, ids in users.items() if len(ids) >= 2]
    assert len(reused) >= 10
    stock = {i["file"] for _, t in pairs for i in t["images"] if "stock_image" in t["hard_cases"]}
    for name in reused:
        # A reused file belongs to one network, or is one of the stock photos unrelated posts share.
        assert name in stock or (len(owner[name]) == 1 and None not in owner[name])


def test_variants_are_distinct_files_near_their_base(with_images: tuple[Path, Pairs]) -> None:
    folder, pairs = with_images
    variants = {(i["file"], i["base"], i["transform"]) for _, t in pairs for i in t["images"] if i["file"] != i["base"]}
    transforms = Counter(t for _, _, t in variants)
    assert set(transforms) <= {"reencode", "resize", "crop", "flip"} and len(transforms) >= 2
    within = 0
    for name, base, transform in variants:
        data = (folder / name).read_bytes()
        base_bytes = image_bytes(seed_of(base))
        assert hashlib.sha256(data).digest() != hashlib.sha256(base_bytes).digest()  # SHA-256 cannot match them
        with Image.open(folder / name) as img:
            variant = _pdq(img)
            if transform == "flip":
                # A mirror only matches through a dihedral query.
                dihedral = pdqhash.compute_dihedral(np.asarray(img.convert("RGB")))[0]
        with Image.open(io.BytesIO(base_bytes)) as b:
            base_hash = _pdq(b)
        if transform == "flip":
            assert _distance(variant, base_hash) > 31
            distance = min(_distance(np.asarray(d).astype(bool), base_hash) for d in dihedral)
        else:
            distance = _distance(variant, base_hash)
        if transform in ("reencode", "resize", "flip"):
            assert distance <= 31, (transform, distance)
        within += distance <= 31
    # Crops are the hard case for PDQ: most stay within the threshold, a few fall outside.
    assert within >= 0.75 * len(variants)


@pytest.mark.parametrize(("transform", "limit"), [("reencode", 12), ("resize", 31), ("flip", 8), ("crop", 45)])
def test_each_transform_keeps_a_variant_near_its_base(transform: str, limit: int) -> None:
    distances = []
    for seed in range(25):
        base = _pdq(Image.open(io.BytesIO(image_bytes(seed))))
        with Image.open(io.BytesIO(image_bytes(seed, transform, seed + 1000))) as img:
            assert img.format == "JPEG"
            if transform == "flip":
                hashes = pdqhash.compute_dihedral(np.asarray(img.convert("RGB")))[0]
                distances.append(min(_distance(np.asarray(h).astype(bool), base) for h in hashes))
            else:
                distances.append(_distance(_pdq(img), base))
    assert max(distances) <= limit, distances
    # Most variants of every kind stay within PDQ's usual match threshold.
    assert sum(d <= 31 for d in distances) >= 0.8 * len(distances)


def test_distinct_scenes_are_far_apart_and_of_usable_quality() -> None:
    hashes = []
    for seed in range(60):
        vector, quality = pdqhash.compute(np.asarray(Image.open(io.BytesIO(image_bytes(seed)))))
        assert quality >= 50  # PDQ ignores hashes under 50: our photos must be textured enough
        hashes.append(vector.astype(bool))
    closest = min(_distance(hashes[i], hashes[j]) for i in range(60) for j in range(i + 1, 60))
    assert closest > 60


def test_image_bytes_are_deterministic() -> None:
    assert image_bytes(123) == image_bytes(123)
    assert image_bytes(123, "crop", 9) == image_bytes(123, "crop", 9)
    assert image_bytes(123) != image_bytes(124)


def test_images_named_without_writing_them(with_images: tuple[Path, Pairs]) -> None:
    _, pairs = with_images
    # Same posts and names with or without an images folder: writing pixels changes nothing else.
    assert list(generate(700, 4)) == pairs
