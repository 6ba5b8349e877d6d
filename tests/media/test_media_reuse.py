"""Reuse links between posts: same file, near-identical picture, big groups as stars, nothing within one post."""

from __future__ import annotations

import numpy as np
from media_helpers import encode, photo

from tipwatch.media.hashing import hash_bytes
from tipwatch.media.reuse import ReuseColumns, reuse_links


def _row(post: str, data: bytes) -> tuple[str, str | None, str | None, int | None]:
    h = hash_bytes(data)
    return post, h.sha256, h.pdq, h.quality


def test_same_file_and_lookalike_links() -> None:
    a = photo(41, (800, 600))
    a_jpg = encode(a, quality=90)
    a_small = encode(a.resize((400, 300)), quality=60)  # re-encoded, resized copy
    b = encode(photo(42))
    c = encode(photo(43))
    rows = [
        _row("p1", a_jpg),
        _row("p2", a_jpg),
        _row("p3", a_small),
        _row("p4", b),
        _row("p4", c),  # two unrelated images in one post: no self link
        _row("p5", c),
    ]
    links = reuse_links(ReuseColumns.from_rows(rows))
    got = {(x.post_a, x.post_b): (x.kind, x.distance) for x in links}
    assert got[("p1", "p2")] == ("image_sha256", 0)
    assert got[("p1", "p3")][0] == "image_pdq" and 0 < got[("p1", "p3")][1] <= 31
    assert got[("p2", "p3")][0] == "image_pdq"
    assert got[("p4", "p5")] == ("image_sha256", 0)
    assert set(got) == {("p1", "p2"), ("p1", "p3"), ("p2", "p3"), ("p4", "p5")}
    link = next(x for x in links if (x.post_a, x.post_b) == ("p1", "p3"))
    assert link.sha256_a == hash_bytes(a_jpg).sha256 and link.sha256_b == hash_bytes(a_small).sha256


def test_threshold_and_quality_are_honoured() -> None:
    rng = np.random.default_rng(0)
    base = rng.bytes(32)
    near = bytearray(base)
    near[0] ^= 0xFF  # 8 bits
    far = bytearray(base)
    for i in range(5):
        far[i] ^= 0xFF  # 40 bits
    rows = [
        ("a", rng.bytes(32).hex(), base.hex(), 90),
        ("b", rng.bytes(32).hex(), bytes(near).hex(), 90),
        ("c", rng.bytes(32).hex(), bytes(far).hex(), 90),
        ("d", rng.bytes(32).hex(), base.hex(), 10),  # too flat to link by PDQ
    ]
    cols = ReuseColumns.from_rows(rows)
    assert [(x.post_a, x.post_b, x.distance) for x in reuse_links(cols)] == [("a", "b", 8)]
    assert {(x.post_a, x.post_b) for x in reuse_links(cols, threshold=45)} == {("a", "b"), ("a", "c"), ("b", "c")}


def test_big_groups_become_stars() -> None:
    sha = "ab" * 32
    rows = [(f"p{i:03d}", sha, None, None) for i in range(50)]
    links = reuse_links(ReuseColumns.from_rows(rows), clique_limit=20)
    assert len(links) == 49 and all(x.post_a == "p000" for x in links)
    small = reuse_links(ReuseColumns.from_rows(rows[:5]), clique_limit=20)
    assert len(small) == 10


def test_empty_and_single() -> None:
    assert reuse_links(ReuseColumns.from_rows([])) == []
    assert reuse_links(ReuseColumns.from_rows([("p", "00" * 32, None, None)])) == []


def test_mirrored_repost_is_linked_through_the_mirror_hash() -> None:
    from PIL import Image

    a = photo(44, (640, 480))
    mirrored = encode(a.transpose(Image.Transpose.FLIP_LEFT_RIGHT), quality=80)

    def row(post: str, data: bytes) -> tuple[str, str | None, str | None, int | None, str | None]:
        h = hash_bytes(data, dihedral=True)
        assert h.dihedral is not None
        return post, h.sha256, h.pdq, h.quality, h.dihedral[5]  # 5: PDQ's "flipy", the left-right mirror

    rows = [row("p1", encode(a, quality=90)), row("p2", mirrored), row("p3", encode(photo(45)))]
    without = ReuseColumns.from_rows([r[:4] for r in rows])
    assert reuse_links(without) == []  # plain PDQ misses a mirrored copy
    links = reuse_links(ReuseColumns.from_rows(rows))
    assert [(x.post_a, x.post_b, x.kind) for x in links] == [("p1", "p2", "image_pdq")]
    assert links[0].distance <= 31
