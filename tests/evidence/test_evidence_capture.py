"""Capture pages from a local ad site (127.0.0.1, with --allow-private-addresses), export the case's bundle, verify
it, and see verification fail when any kind of file is changed, a custody event is removed or a file is added.
One browser for the module's captures (services.capture.capture_many)."""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from evidence_site import Site, serve
from warcio.archiveiterator import ArchiveIterator

from tipwatch.evidence import bundle, keys
from tipwatch.evidence.objects import ObjectStore
from tipwatch.services import cases
from tipwatch.services.capture import CaptureError, CaptureOptions, capture, capture_many
from tipwatch.services.evidence import export_case, list_items, transfer_item, verify_bundle, view_item
from tipwatch.store.facade import Store

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")
LAB = CaptureOptions(allow_private=True, timeout=30, page_timeout=2.0, max_page_bytes=100_000)


class World:
    def __init__(self, site: Site, store: Store, data: Path, case_id: int, bundle_path: Path, key: Path) -> None:
        self.site, self.store, self.data, self.case_id, self.bundle, self.key = (
            site,
            store,
            data,
            case_id,
            bundle_path,
            key,
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("evidence")
    data = tmp / "data"
    with serve() as site, Store(f"sqlite:///{tmp / 'store.db'}") as store:
        case = cases.create_case(store, "Ring on site1", created_by="ana")
        results = capture_many(
            store,
            data,
            [site.url("/go"), site.url("/ad/2")],
            case_id=case.id,
            actor="ana",
            purpose="ads of the ring",
            options=LAB,
        )
        assert all(not isinstance(r, CaptureError) for r in results), results
        view_item(store, data, results[0].id, actor="bob", why="review", via="test")  # type: ignore[union-attr]
        transfer_item(store, data, results[1].id, actor="ana", to="Court of X", why="hearing")  # type: ignore[union-attr]
        out = tmp / "case.wacz"
        export_case(store, data, case.id, out, actor="ana", why="for the prosecutor")
        key = tmp / "public.pem"
        key.write_text(keys.public_pem(keys.load_or_create(data).public_key()))
        yield World(site, store, data, case.id, out, key)


def test_capture_records_the_exchange_screenshot_html_images_and_metadata(world: World) -> None:
    items = list_items(world.store, world.case_id)
    assert [i.url for i in items] == [world.site.url("/go"), world.site.url("/ad/2")]
    first = items[0]
    assert first.final_url == world.site.url("/ad/1") and first.http_status == 200 and first.ip == "127.0.0.1"
    assert first.title == "New in town" and first.captured_by == "ana" and first.purpose == "ads of the ring"
    arts = {a.kind: a for a in world.store.evidence.artifacts(first.id)}
    assert set(arts) == {"warc", "screenshot", "html", "image", "metadata"}
    objects = ObjectStore(world.data)
    # Content-addressed, write-once, read-only.
    for a in arts.values():
        path = objects.path(a.sha256)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == a.sha256
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert objects.get(arts["screenshot"].sha256).startswith(b"\x89PNG")
    assert "call 555 0101" in objects.get(arts["html"].sha256).decode()
    assert arts["image"].source_url == world.site.url("/img/1.png")
    assert objects.get(arts["image"].sha256) == world.site.pages["/img/1.png"][2]
    meta = orjson.loads(objects.get(arts["metadata"].sha256))
    assert meta["operator"] == "ana" and meta["case"]["id"] == world.case_id and meta["purpose"] == "ads of the ring"
    assert meta["tool"] == "tipwatch" and meta["tool_version"] and meta["captured_at"].endswith("+00:00")
    assert meta["redirects"] == [world.site.url("/go")]
    # The WARC: the redirect hop, the page, its stylesheet and picture, with requests and the address.
    records = [
        (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.rec_headers.get_header("WARC-IP-Address"))
        for r in ArchiveIterator(io.BytesIO(objects.get(arts["warc"].sha256)))
    ]
    responses = [(u, ip) for t, u, ip in records if t == "response"]
    assert (world.site.url("/go"), "127.0.0.1") in responses and (world.site.url("/ad/1"), "127.0.0.1") in responses
    assert world.site.url("/img/1.png") in [u for u, _ in responses]
    assert sum(1 for t, _, _ in records if t == "request") == len(responses)
    assert records[0][0] == "warcinfo"


def test_custody_is_hash_chained_and_signed(world: World) -> None:
    items = list_items(world.store, world.case_id)
    events = world.store.evidence.events(items[0].id)
    assert [e.action for e in events] == ["captured", "viewed", "exported"]
    assert [e.actor for e in events] == ["ana", "bob", "ana"] and events[1].why == "review"
    assert [e.action for e in world.store.evidence.events(items[1].id)] == ["captured", "transferred", "exported"]
    from tipwatch.evidence.custody import check_chain

    public = keys.load_or_create(world.data).public_key()
    assert check_chain(events, public) is None
    other = keys.load_or_create(world.data / "other").public_key()
    assert "signature does not verify" in (check_chain(events, other) or "")
    assert stat.S_IMODE((world.data / keys.KEY_FILE).stat().st_mode) == 0o600


def test_bundle_is_a_wacz_and_verifies(world: World) -> None:
    with zipfile.ZipFile(world.bundle) as zf:
        names = set(zf.namelist())
        doc = orjson.loads(zf.read("datapackage.json"))
        pages = zf.read("pages/pages.jsonl").decode().splitlines()
        cdxj = zf.read("indexes/index.cdxj").decode()
        assert zf.getinfo("archive/item-1.warc.gz").compress_type == zipfile.ZIP_STORED
        gzip.decompress(zf.read("archive/item-1.warc.gz"))
        report = zf.read("report.html").decode()
        assert zf.read("report.pdf").startswith(b"%PDF")
    assert {"datapackage-digest.json", "tipwatch-signature.json", "evidence/custody.jsonl", "report.pdf"} <= names
    assert {"archive/item-1.warc.gz", "evidence/item-1/screenshot.png", "evidence/item-2/page.html"} <= names
    assert doc["wacz_version"] == "1.1.1" and doc["profile"] == "data-package"
    assert {r["path"] for r in doc["resources"]} == names - bundle.UNLISTED
    assert orjson.loads(pages[0])["format"] == "json-pages-1.0" and len(pages) == 3
    assert "127.0.0.1:" in cdxj and '"filename": "item-1.warc.gz"' in cdxj.replace('":"', '": "')
    assert "Sweet girls &lt;b&gt;" in report and "<b>" not in report.split("<body>")[1].replace("<b>", "", 0)
    verdict = verify_bundle(world.bundle, world.key)
    assert verdict.ok, verdict.failure
    assert verdict.key_source == "given"


def _rewrite(src: Path, dst: Path, change: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> Path:
    """A copy of the bundle with entries replaced (None: removed) or added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in change:
                new = change[info.filename]
                if new is None:
                    continue
                data = new
            zout.writestr(info, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _flip(data: bytes, at: int | None = None) -> bytes:
    i = len(data) // 2 if at is None else at
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]


def _read(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


@pytest.mark.parametrize(
    "name",
    [
        "archive/item-1.warc.gz",
        "evidence/item-1/screenshot.png",
        "evidence/item-2/page.html",
        "evidence/item-1/metadata.json",
        "evidence/custody.jsonl",
        "evidence/items.json",
        "report.html",
        "datapackage.json",
        "tipwatch-signature.json",
    ],
)
def test_one_changed_byte_fails_naming_the_file(world: World, tmp_path: Path, name: str) -> None:
    original = _read(world.bundle, name)
    # A byte inside the signature's base64 value, so that the file stays JSON and the signature itself is wrong.
    at = original.index(b'"signature"') + 16 if name == "tipwatch-signature.json" else None
    bad = _rewrite(world.bundle, tmp_path / "bad.wacz", {name: _flip(original, at)})
    verdict = verify_bundle(bad, world.key)
    assert not verdict.ok
    assert verdict.failure.startswith(name if name != "tipwatch-signature.json" else "tipwatch-signature.json")


def test_an_added_file_fails(world: World, tmp_path: Path) -> None:
    bad = _rewrite(world.bundle, tmp_path / "bad.wacz", {}, add={"evidence/item-1/images/extra.png": b"\x89PNG"})
    verdict = verify_bundle(bad, world.key)
    assert not verdict.ok and verdict.failure.startswith("evidence/item-1/images/extra.png: not listed")


def test_a_removed_file_fails(world: World, tmp_path: Path) -> None:
    bad = _rewrite(world.bundle, tmp_path / "bad.wacz", {"evidence/item-2/screenshot.png": None})
    verdict = verify_bundle(bad, world.key)
    assert not verdict.ok and verdict.failure.startswith("evidence/item-2/screenshot.png: missing")


def _resign(path: Path, dst: Path, changes: dict[str, bytes], private_dir: Path) -> Path:
    """Someone holding the signing key rebuilds the manifest over changed files: the manifest and its signature
    are then right, and only the chain of custody can tell."""
    key = keys.load_or_create(private_dir)
    with zipfile.ZipFile(path) as zf:
        files = [bundle.BundleFile(n, changes.get(n, zf.read(n))) for n in zf.namelist() if n not in bundle.UNLISTED]
        doc = orjson.loads(zf.read("datapackage.json"))
    from datetime import datetime

    bundle.write_bundle(
        dst,
        files,
        title=doc["title"],
        created=datetime.fromisoformat(doc["created"]),
        software=doc["software"],
        extra=doc["tipwatch"],
        sign=key.sign,
        public_key=key.public_key(),
    )
    return dst


def test_a_removed_custody_event_fails(world: World, tmp_path: Path) -> None:
    lines = _read(world.bundle, bundle.CUSTODY).splitlines(keepends=True)
    viewed = next(i for i, line in enumerate(lines) if b'"action":"viewed"' in line)
    without = b"".join(lines[:viewed] + lines[viewed + 1 :])
    # Changed in place: the custody file no longer matches the signed manifest.
    plain = verify_bundle(_rewrite(world.bundle, tmp_path / "a.wacz", {bundle.CUSTODY: without}), world.key)
    assert not plain.ok and plain.failure.startswith("evidence/custody.jsonl:")
    # Even with a manifest rebuilt and signed with the installation's key, the chain shows the gap.
    resigned = verify_bundle(
        _resign(world.bundle, tmp_path / "b.wacz", {bundle.CUSTODY: without}, world.data), world.key
    )
    assert not resigned.ok
    assert (
        resigned.failure == "item 1: custody event 3 of item 1: expected event 2 (an event is missing or out of order)"
    )
    # The last event removed: the chain is whole but shorter than the item says.
    last = max(i for i, line in enumerate(lines) if b'"item":1,' in line)
    cut = b"".join(lines[:last] + lines[last + 1 :])
    tail = verify_bundle(_resign(world.bundle, tmp_path / "c.wacz", {bundle.CUSTODY: cut}, world.data), world.key)
    assert not tail.ok and "does not end where the item says" in tail.failure


def test_a_forged_bundle_fails_with_the_real_key(world: World, tmp_path: Path) -> None:
    shot = _read(world.bundle, "evidence/item-1/screenshot.png")
    forger = keys.public_pem(keys.load_or_create(tmp_path).public_key()).encode()
    changes = {"evidence/item-1/screenshot.png": _flip(shot), bundle.PUBLIC_KEY: forger}
    forged = _resign(world.bundle, tmp_path / "f.wacz", changes, tmp_path)
    verdict = verify_bundle(forged, world.key)
    assert not verdict.ok and verdict.failure.startswith("tipwatch-signature.json: the signature")
    # With the forger's own (bundled) key the manifest passes, but the capture-time custody event does not.
    own = verify_bundle(forged, None)
    assert not own.ok and "custody event 1 of item 1" in own.failure


def test_a_rebuilt_manifest_with_a_changed_file_fails_at_the_capture_record(world: World, tmp_path: Path) -> None:
    shot = _read(world.bundle, "evidence/item-1/screenshot.png")
    changed = _resign(world.bundle, tmp_path / "r.wacz", {"evidence/item-1/screenshot.png": _flip(shot)}, world.data)
    verdict = verify_bundle(changed, world.key)
    assert not verdict.ok
    assert (
        verdict.failure == "evidence/item-1/screenshot.png: differs from the screenshot of item 1 recorded at capture"
    )


def test_capture_errors_name_the_url_and_reason(world: World) -> None:
    site, store, data, case_id = world.site, world.store, world.data, world.case_id
    expected = {
        "/missing": "HTTP 404",
        "/data.json": "not an HTML page (content type application/json)",
        "/huge": "too large",
        "/slow": "too slow",
    }
    for path, reason in expected.items():
        with pytest.raises(CaptureError) as err:
            capture(store, data, site.url(path), case_id=case_id, actor="ana", options=LAB)
        assert str(err.value).startswith(site.url(path) + ": ") and reason in str(err.value), str(err.value)
    with pytest.raises(CaptureError, match="too many redirects"):
        capture(
            store, data, site.url("/go"), case_id=case_id, actor="ana", options=CaptureOptions(True, max_redirects=0)
        )


def test_private_addresses_are_refused_without_the_flag(world: World) -> None:
    before = len(list_items(world.store, world.case_id))
    for url in (world.site.url("/ad/1"), "http://2130706433/", "http://[::1]/"):
        with pytest.raises(CaptureError, match=r"loopback address .*--allow-private-addresses"):
            capture(world.store, world.data, url, case_id=world.case_id, actor="ana")
    assert len(list_items(world.store, world.case_id)) == before


def test_an_unknown_case_is_refused(world: World) -> None:
    with pytest.raises(cases.CaseError):
        capture(world.store, world.data, world.site.url("/ad/1"), case_id=999, actor="ana", options=LAB)


def test_export_refuses_an_object_changed_on_disk(world: World, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(world.data, data)
    art = next(a for a in world.store.evidence.artifacts(1) if a.kind == "html")
    path = ObjectStore(data).path(art.sha256)
    path.chmod(0o644)
    path.write_bytes(_flip(path.read_bytes()))
    with pytest.raises(ValueError, match=f"evidence object {art.sha256} was changed on disk"):
        export_case(world.store, data, world.case_id, tmp_path / "x.wacz", actor="ana", pdf=False)


def test_a_failed_export_is_recorded_in_custody_and_leaves_no_bundle(world: World, tmp_path: Path) -> None:
    """The timestamp authority does not answer: the "exported" events are already in the append-only chain, so an
    "export_failed" event follows each, naming the bundle and the reason; no bundle (nor a partial one) is left."""
    from tipwatch.evidence.custody import check_chain
    from tipwatch.services.evidence import EvidenceError

    data = tmp_path / "data"
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        case = cases.create_case(store, "tsa down", created_by="ana")
        item = capture(store, data, world.site.url("/ad/1"), case_id=case.id, actor="ana", options=LAB)
        (tmp_path / "out").mkdir()
        out = tmp_path / "out" / "case.wacz"
        with pytest.raises(EvidenceError) as down:
            export_case(
                store, data, case.id, out, actor="ana", why="court", pdf=False,
                tsa_url="http://127.0.0.1:9/none", tsa_allow_private=True,
            )  # fmt: skip
        assert down.value.reason == "timestamp_error"
        events = store.evidence.events(item.id)
        assert [e.action for e in events] == ["captured", "exported", "export_failed"]
        failed = events[-1].details
        assert failed["bundle"] == "case.wacz" and failed["case"] == case.id
        assert "timestamp authority http://127.0.0.1:9/none" in failed["error"]
        assert check_chain(events, keys.load_or_create(data).public_key()) is None
        assert list(out.parent.iterdir()) == []
        # The next export carries the whole history, the failed attempt included, and verifies.
        export_case(store, data, case.id, out, actor="ana", why="court", pdf=False)
        verdict = verify_bundle(out)
        assert verdict.ok, verdict.failure
        with zipfile.ZipFile(out) as zf:
            logged = [orjson.loads(line)["action"] for line in zf.read("evidence/custody.jsonl").splitlines()]
        assert logged == ["captured", "exported", "export_failed", "exported"]


def test_a_page_with_an_abuse_bank_image_is_not_captured(world: World, tmp_path: Path) -> None:
    from tipwatch.media.formats import EntryIn
    from tipwatch.services import banks

    data = tmp_path / "data"
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        case = cases.create_case(store, "x", created_by="ana")
        banks.create_bank(store, "csam", source="test", licence="test", is_abuse_material=True)
        picture = hashlib.sha256(world.site.pages["/img/2.png"][2]).hexdigest()
        banks.add_entries(store, "csam", [EntryIn("sha256", picture)])
        with pytest.raises(CaptureError, match=f"SHA-256 {picture}\\) matched the abuse-material hash bank 'csam'"):
            capture(store, data, world.site.url("/ad/2"), case_id=case.id, actor="ana", options=LAB)
        assert store.evidence.items(case.id) == []
        assert not (data / "evidence" / "objects").exists() or not any((data / "evidence" / "objects").rglob("*"))
        # The page without that picture is captured, as usual.
        assert capture(store, data, world.site.url("/ad/1"), case_id=case.id, actor="ana", options=LAB).id == 1


def test_a_working_copy_is_separate_from_the_evidentiary_objects(world: World, tmp_path: Path) -> None:
    from tipwatch.services.evidence import EvidenceError, working_copy

    out = tmp_path / "work"
    written = working_copy(world.store, world.data, 2, out, actor="bob", why="annotate")
    assert out / "evidence/item-2/screenshot.png" in written
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    shot = out / "evidence/item-2/screenshot.png"
    shot.write_bytes(b"edited")  # the working copy is writable; the object is not touched
    art = next(a for a in world.store.evidence.artifacts(2) if a.kind == "screenshot")
    assert ObjectStore(world.data).get(art.sha256)[:4] == b"\x89PNG"
    assert world.store.evidence.events(2)[-1].details == {"working_copy": str(out)}
    with pytest.raises(EvidenceError, match="not empty"):
        working_copy(world.store, world.data, 2, out, actor="bob")


def test_the_page_is_fetched_once_even_without_a_path(world: World, tmp_path: Path) -> None:
    """The browser asks for "http://host:port/" when given "http://host:port": it gets the bytes already recorded,
    not a second download."""
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        case = cases.create_case(store, "x", created_by="ana")
        item = capture(store, tmp_path, world.site.base, case_id=case.id, actor="ana", options=LAB)
        warc = next(a for a in store.evidence.artifacts(item.id) if a.kind == "warc")
        records = ArchiveIterator(io.BytesIO(ObjectStore(tmp_path).get(warc.sha256)))
        assert [r.rec_type for r in records] == ["warcinfo", "response", "request"]
        assert item.title == "Home"
