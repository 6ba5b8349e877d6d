"""The per-post media stage, storing its results, and the never-shown rule for abuse material."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from media_helpers import encode, photo
from PIL import Image
from sqlalchemy import Engine, insert, select
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tipwatch.media.formats import EntryIn
from tipwatch.media.hashing import hash_bytes
from tipwatch.media.post_media import MediaOptions, analyze_post_media
from tipwatch.model import Post
from tipwatch.services.banks import add_entries, create_bank, mark_reported, set_enabled
from tipwatch.services.banks import report_queue as mandatory_report_queue
from tipwatch.services.matching import load_index
from tipwatch.store.facade import Store
from tipwatch.store.media_tables import media_items, media_matches
from tipwatch.store.sql.media import write_post_media
from tipwatch.store.tables import posts, runs


def _store_posts(engine: Engine, ids: list[str]) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        run_id = conn.execute(
            insert(runs)
            .values(
                started_at=now, command="test", inputs=[], status="ok", read=0, stored=0, duplicates=0, quarantined=0
            )
            .returning(runs.c.id)
        ).scalar_one()
        conn.execute(
            insert(posts),
            [
                {
                    "id": i,
                    "run_id": run_id,
                    "source": "t.jsonl",
                    "position": "1",
                    "kind": "other",
                    "title": "",
                    "body": "x",
                    "images": [],
                    "raw": "",
                    "risk": 0.0,
                    "model": "m",
                    "reasons": [],
                }
                for i in ids
            ],
        )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "img").mkdir()
    photo(21).save(tmp_path / "img" / "a.jpg", quality=90)
    photo(22).save(tmp_path / "img" / "b.png")
    (tmp_path / "img" / "bad.jpg").write_bytes(b"not really a jpeg")
    (tmp_path.parent / "secret.jpg").write_bytes(encode(photo(23)))
    return tmp_path


def test_post_images_resolved_hashed_and_explained(folder: Path) -> None:
    post = Post(
        id="p1",
        source="posts.jsonl",
        position="1",
        images=[
            "img/a.jpg",
            "img/a.jpg",  # listed twice: hashed once
            "img/b.png",
            "img/bad.jpg",
            "img/missing.jpg",
            "../secret.jpg",
            str(folder.parent / "secret.jpg"),
            "https://example.invalid/x.jpg",
            "data:image/png;base64,AAAA",
        ],
    )
    out = analyze_post_media(post, folder)
    by_ref = {i.ref: i for i in out.items}
    assert len(out.items) == 8
    assert by_ref["img/a.jpg"].status == "ok" and by_ref["img/a.jpg"].pdq and by_ref["img/a.jpg"].format == "JPEG"
    assert by_ref["img/b.png"].status == "ok" and by_ref["img/b.png"].format == "PNG"
    assert by_ref["img/bad.jpg"].status == "rejected" and "not an image" in by_ref["img/bad.jpg"].reason
    assert by_ref["img/bad.jpg"].sha256  # still hashed as a file
    assert "no such file" in by_ref["img/missing.jpg"].reason
    assert "leaves the input folder" in by_ref["../secret.jpg"].reason
    assert "leaves the input folder" in by_ref[str(folder.parent / "secret.jpg")].reason
    assert by_ref["https://example.invalid/x.jpg"].status == "skipped"
    assert "downloads are off" in by_ref["https://example.invalid/x.jpg"].reason
    assert by_ref["data:image/png;base64,AAAA"].status == "skipped"
    assert not out.matches and not out.restricted
    quarantined = out.quarantine(post)
    assert [q.raw for q in quarantined] == [
        "img/bad.jpg",
        "img/missing.jpg",
        "../secret.jpg",
        str(folder.parent / "secret.jpg"),
    ]
    assert quarantined[0].source == "posts.jsonl" and quarantined[0].position == "1 image img/bad.jpg"
    assert quarantined[0].reason.startswith("image rejected: not an image")
    capped = analyze_post_media(post, folder, options=MediaOptions(max_images=1))
    assert [i.status for i in capped.items][:2] == ["ok", "skipped"]


def test_images_inside_a_warc(tmp_path: Path) -> None:
    jpeg = encode(photo(31))
    path = tmp_path / "crawl.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, body, ctype in [
            ("https://ads.example/page1", b"<html>ad</html>", "text/html"),
            ("https://ads.example/p1.jpg", jpeg, "image/jpeg"),
        ]:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
            )
    post = Post(
        id="w1",
        source=str(path),
        position="0",
        images=["https://ads.example/p1.jpg", "https://ads.example/other.jpg"],
    )
    out = analyze_post_media(post, tmp_path)
    assert out.items[0].status == "ok" and out.items[0].sha256 == hash_bytes(jpeg).sha256
    assert out.items[1].status == "skipped" and "not in crawl.warc.gz" in out.items[1].reason
    # A truncated archive keeps what came before the damage and does not raise.
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(path.read_bytes()[: len(path.read_bytes()) - 40])
    assert analyze_post_media(Post(id="w2", source=str(cut), position="0", images=post.images[:1]), tmp_path).items
    assert gzip.decompress(path.read_bytes()).count(b"WARC/1") >= 2


def test_abuse_material_is_flagged_stored_and_restricted(engine: Engine, store: Store, folder: Path) -> None:
    abuse = hash_bytes((folder / "img" / "a.jpg").read_bytes())
    create_bank(store, "hotline csam", source="hotline", licence="members", is_abuse_material=True)
    add_entries(store, "hotline csam", [EntryIn("pdq", abuse.pdq or "")])
    create_bank(store, "known victims", source="case 12", licence="case")
    other = hash_bytes((folder / "img" / "b.png").read_bytes())
    add_entries(store, "known victims", [EntryIn("md5", other.md5 or "")])
    index = load_index(store)

    # p1 carries a re-encoded, mirrored copy of the abuse image; p2 the known-victim image; p3 nothing known.
    mirrored = Image.open(folder / "img" / "a.jpg").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    mirrored.save(folder / "img" / "a-mirror.jpg", quality=80)
    results = [
        analyze_post_media(Post(id="p1", source="s", position="1", images=["img/a-mirror.jpg"]), folder, index=index),
        analyze_post_media(Post(id="p2", source="s", position="2", images=["img/b.png"]), folder, index=index),
        analyze_post_media(Post(id="p3", source="s", position="3", images=["img/bad.jpg"]), folder, index=index),
    ]
    assert results[0].restricted and results[0].items[0].restricted
    # PDQ names a left-right mirror "flipy" (about the y axis); its "flipx" turns the picture upside down.
    assert results[0].matches[0].match.variant == "flipy"
    assert not results[1].restricted and results[1].matches[0].match.bank_name == "known victims"
    assert not results[2].matches

    _store_posts(engine, ["p1", "p2", "p3"])
    with engine.begin() as conn:
        write_post_media(conn, results)
        write_post_media(conn, results)  # a re-run replaces, never duplicates
    with engine.connect() as conn:
        assert conn.execute(select(media_items.c.post_id)).scalars().all().count("p1") == 1
        assert len(conn.execute(select(media_matches)).all()) == 2
    mirror_sha = results[0].items[0].sha256 or ""
    assert store.media.is_restricted_post("p1") and not store.media.is_restricted_post("p2")
    assert store.media.is_restricted_image(mirror_sha) and not store.media.is_restricted_image(other.sha256 or "")
    assert store.media.restricted_posts(["p1", "p2", "p3"]) == {"p1"} == store.media.restricted_posts()
    queue = mandatory_report_queue(store)
    assert [(q.post_id, q.sha256s) for q in queue] == [("p1", [mirror_sha])] and "hotline csam" in queue[0].reason

    # The restriction is sticky: disabling the bank does not lift it; the same file in a new post is restricted too.
    set_enabled(store, "hotline csam", False)
    _store_posts(engine, ["p4"])
    again = analyze_post_media(Post(id="p4", source="s", position="4", images=["img/a-mirror.jpg"]), folder)
    store.media.write_post_media([again])  # through the repository, in a transaction of its own
    assert store.media.is_restricted_post("p4") and store.media.is_restricted_post("p1")

    mark_reported(store, "p1", by="analyst 7", reference="hotline ticket 991")
    assert mandatory_report_queue(store) == [] and mandatory_report_queue(store, status="reported")[0].reported_by
    assert store.media.is_restricted_post("p1")
    with pytest.raises(ValueError):
        mark_reported(store, "p2", by="x", reference="y")
