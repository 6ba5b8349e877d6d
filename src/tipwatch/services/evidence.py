"""Evidence items after capture: listing them, their chain of custody (viewed, exported, transferred: who, when,
why; each event signed with the installation's key), the installation's public key, and the case bundle (a WACZ with
the WARCs, screenshots, rendered HTML, images, manifest, custody log, signature and a report) and its verification.

The evidentiary copies are the read-only objects under the data directory (``tipwatch.evidence.objects``); a bundle
is a copy, checked against the stored hashes as it is written. Refusals raise ``EvidenceError(reason, message)``
(``not_found``, ``empty``, ``bad_value``, ``timestamp_error``).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tipwatch import __version__, safehttp
from tipwatch.evidence import bundle, keys, timestamp
from tipwatch.evidence.bundle import BundleFile, Verdict
from tipwatch.evidence.custody import CustodyEvent, Signer, canonical_json
from tipwatch.evidence.objects import ObjectStore
from tipwatch.evidence.report import render
from tipwatch.services import audit
from tipwatch.services.cases import get_case
from tipwatch.store.facade import Store
from tipwatch.store.interface.cases import Case
from tipwatch.store.interface.evidence import Artifact, EvidenceItem, NoSuchItem

__all__ = [
    "EvidenceError",
    "EvidenceItem",
    "ItemView",
    "Verdict",
    "case_items",
    "export_case",
    "items_for_post",
    "list_items",
    "print_pdf",
    "public_key_pem",
    "signer",
    "transfer_item",
    "verify_bundle",
    "verify_upload",
    "view_item",
    "working_copy",
]

MAX_WHY = 2000
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp", "image/svg+xml": "svg"}


class EvidenceError(ValueError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(slots=True)
class ItemView:
    item: EvidenceItem
    artifacts: list[Artifact]
    custody: list[CustodyEvent]


def signer(data_dir: Path) -> Signer:
    """Signs with the installation's Ed25519 key (created once under ``data_dir``, mode 0600)."""
    key = keys.load_or_create(data_dir)
    return key.sign


def public_key_pem(data_dir: Path) -> str:
    return keys.public_pem(keys.load_or_create(data_dir).public_key())


def fingerprint(data_dir: Path) -> str:
    return keys.fingerprint(keys.load_or_create(data_dir).public_key())


def _why(why: str) -> str:
    v = why.strip()
    if len(v) > MAX_WHY:
        raise EvidenceError("bad_value", f"a reason has at most {MAX_WHY} characters")
    return v


def list_items(store: Store, case_id: int) -> list[EvidenceItem]:
    get_case(store, case_id)
    return store.evidence.items(case_id)


def case_items(store: Store, case_id: int) -> list[ItemView]:
    """A case's items with their artifacts' records and custody events, for the case page: what was captured,
    when, by whom, with which hashes, and who handled it since. Only records are read (no artifact is opened), so
    this adds no custody event; the case page's view is audited as "case.view"."""
    items = list_items(store, case_id)
    return [ItemView(i, store.evidence.artifacts(i.id), store.evidence.events(i.id)) for i in items]


def items_for_post(store: Store, post_id: str) -> list[EvidenceItem]:
    return store.evidence.items_for_post(post_id)


def _event(
    store: Store, data_dir: Path, item_id: int, actor: str, action: str, why: str, details: dict[str, Any]
) -> CustodyEvent:
    try:
        return store.evidence.append_event(
            item_id,
            at=datetime.now(UTC),
            actor=actor,
            action=action,
            why=_why(why),
            details=details,
            sign=signer(data_dir),
        )
    except NoSuchItem as exc:
        raise EvidenceError("not_found", str(exc)) from None


def view_item(store: Store, data_dir: Path, item_id: int, *, actor: str, why: str = "", via: str = "") -> ItemView:
    """An item with its artifacts and custody, as a person opens it: a "viewed" custody event first."""
    _event(store, data_dir, item_id, actor, "viewed", why, {"via": via})
    item = store.evidence.get(item_id)
    if item is None:  # pragma: no cover - the event above found it
        raise EvidenceError("not_found", f"no evidence item {item_id}")
    audit.append(store, actor, "evidence.view", f"evidence:{item_id}", why, {"via": via})
    return ItemView(item, store.evidence.artifacts(item_id), store.evidence.events(item_id))


def transfer_item(store: Store, data_dir: Path, item_id: int, *, actor: str, to: str, why: str = "") -> CustodyEvent:
    """Record that the item (or a copy of it) was handed to ``to``."""
    recipient = to.strip()
    if not recipient or len(recipient) > 200:
        raise EvidenceError("bad_value", "name the recipient (1 to 200 characters)")
    event = _event(store, data_dir, item_id, actor, "transferred", why, {"to": recipient})
    audit.append(store, actor, "evidence.transfer", f"evidence:{item_id}", why, {"to": recipient})
    return event


def _item_files(
    objects: ObjectStore, item: EvidenceItem, artifacts: list[Artifact]
) -> tuple[list[BundleFile], list[dict[str, Any]]]:
    files: list[BundleFile] = []
    listed: list[dict[str, Any]] = []
    base = f"evidence/item-{item.id}"
    for a in artifacts:
        if a.kind == "warc":
            path = f"archive/item-{item.id}.warc.gz"
        elif a.kind == "screenshot":
            path = f"{base}/screenshot.png"
        elif a.kind == "html":
            path = f"{base}/page.html"
        elif a.kind == "metadata":
            path = f"{base}/metadata.json"
        else:
            path = f"{base}/images/{a.position:03d}-{a.sha256[:12]}.{EXTENSIONS.get(a.media_type, 'bin')}"
        files.append(BundleFile(path, objects.get(a.sha256)))  # get() refuses an object changed on disk
        listed.append(
            {
                "kind": a.kind,
                "path": path,
                "sha256": a.sha256,
                "size": a.size,
                "media_type": a.media_type,
                "source_url": a.source_url,
            }
        )
    return files, listed


def working_copy(store: Store, data_dir: Path, item_id: int, out_dir: Path, *, actor: str, why: str = "") -> list[Path]:
    """Copy the item's files into ``out_dir`` (a new or empty folder) to work on, with a ``SHA256SUMS`` file; the
    evidentiary objects stay untouched. Recorded as an "exported" custody event. Returns the files written."""
    item = store.evidence.get(item_id)
    if item is None:
        raise EvidenceError("not_found", f"no evidence item {item_id}")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise EvidenceError("bad_value", f"{out_dir} is not empty: a working copy goes into a new folder")
    files, listed = _item_files(ObjectStore(data_dir), item, store.evidence.artifacts(item_id))
    _event(store, data_dir, item_id, actor, "exported", why, {"working_copy": str(out_dir)})
    written = []
    for f in files:
        path = out_dir / f.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.data)
        written.append(path)
    sums = out_dir / "SHA256SUMS"
    sums.write_text("".join(f"{a['sha256']}  {a['path']}\n" for a in listed), encoding="utf-8")
    audit.append(store, actor, "evidence.copy", f"evidence:{item_id}", why, {"to": str(out_dir)})
    return [*written, sums]


def print_pdf(html: str, chromium: str) -> bytes | None:
    """The report printed by Chromium (None when no browser is installed). Nothing is fetched: every request the
    page makes is refused. Playwright's sync API runs on a thread of its own (it refuses a thread where an asyncio
    loop runs: a web server's, or another sync Playwright session's)."""
    if not Path(chromium).exists():
        return None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="evidence-pdf") as pool:
        return pool.submit(_print_pdf, html, chromium).result()


def _print_pdf(html: str, chromium: str) -> bytes:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"], headless=True)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True)
        finally:
            browser.close()


def export_case(
    store: Store,
    data_dir: Path,
    case_id: int,
    out: Path,
    *,
    actor: str,
    why: str = "",
    pdf: bool = True,
    chromium: str = "/usr/bin/chromium",
    progress: Callable[[str], None] | None = None,
    tsa_url: str | None = None,
    tsa_allow_private: bool = False,
) -> str:
    """Write the case's bundle to ``out`` (an "exported" custody event for each item first, so the bundle carries
    it); returns the SHA-256 of its manifest. With ``tsa_url``, the manifest is timestamped by that RFC 3161
    authority (``timestamp_error`` when it does not answer with a token covering it). When the export fails after
    the "exported" events were written, each of those items gets an "export_failed" event naming the bundle and
    the reason, and no bundle file is left: the custody log says the export was tried and did not happen."""
    case = get_case(store, case_id)
    items = store.evidence.items(case_id)
    if not items:
        raise EvidenceError("empty", f"case {case_id} holds no evidence: capture pages into it first")
    reason = _why(why)
    marked: list[int] = []
    try:
        return _export(
            store,
            data_dir,
            case,
            items,
            out,
            marked,
            actor=actor,
            reason=reason,
            pdf=pdf,
            chromium=chromium,
            progress=progress,
            tsa_url=tsa_url,
            tsa_allow_private=tsa_allow_private,
        )
    except Exception as exc:
        failed = {"bundle": out.name, "case": case.id, "error": str(exc)[:500] or type(exc).__name__}
        for item_id in marked:
            _event(store, data_dir, item_id, actor, "export_failed", reason, failed)
        raise


def _export(
    store: Store,
    data_dir: Path,
    case: Case,
    items: list[EvidenceItem],
    out: Path,
    marked: list[int],
    *,
    actor: str,
    reason: str,
    pdf: bool,
    chromium: str,
    progress: Callable[[str], None] | None,
    tsa_url: str | None,
    tsa_allow_private: bool,
) -> str:
    """export_case's work; ``marked`` collects the items given an "exported" event."""
    objects = ObjectStore(data_dir)
    key = keys.load_or_create(data_dir)
    files: list[BundleFile] = []
    listed: list[dict[str, Any]] = []
    custody: list[CustodyEvent] = []
    pages = [orjson.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
    index: list[str] = []
    for item in items:
        _event(store, data_dir, item.id, actor, "exported", reason, {"bundle": out.name, "case": case.id})
        marked.append(item.id)
        artifacts = store.evidence.artifacts(item.id)
        events = store.evidence.events(item.id)
        item_files, item_artifacts = _item_files(objects, item, artifacts)
        files += item_files
        custody += events
        meta: dict[str, Any] = next((orjson.loads(f.data) for f in item_files if f.path.endswith("/metadata.json")), {})
        listed.append(
            {
                "id": item.id,
                "url": item.url,
                "final_url": item.final_url,
                "title": item.title,
                "captured_at": item.captured_at.isoformat(),
                "captured_by": item.captured_by,
                "purpose": item.purpose,
                "post_id": item.post_id,
                "http_status": item.http_status,
                "ip": item.ip,
                "tool_version": item.tool_version,
                "browser": meta.get("browser"),
                "redirects": meta.get("redirects", []),
                "artifacts": item_artifacts,
                "custody_head": events[-1].hash,
            }
        )
        pages.append(
            orjson.dumps(
                {
                    "id": f"item-{item.id}",
                    "url": item.final_url,
                    "ts": item.captured_at.isoformat(),
                    "title": item.title,
                }
            )
        )
        warc = next(f for f in item_files if f.path.startswith("archive/"))
        index += bundle.cdxj_lines(Path(warc.path).name, warc.data)
        if progress is not None:
            progress(f"item {item.id}: {item.final_url}")
    now = datetime.now(UTC)
    files.append(BundleFile(bundle.CUSTODY, b"".join(canonical_json(e.to_json()) + b"\n" for e in custody)))
    files.append(BundleFile(bundle.ITEMS, orjson.dumps(listed, option=orjson.OPT_INDENT_2)))
    files.append(BundleFile("pages/pages.jsonl", b"\n".join(pages) + b"\n"))
    files.append(BundleFile("indexes/index.cdxj", ("\n".join(sorted(index)) + "\n").encode()))
    files.append(BundleFile(bundle.PUBLIC_KEY, keys.public_pem(key.public_key()).encode()))
    by_id = {e.item_id: [] for e in custody}  # type: dict[int, list[dict[str, Any]]]
    for e in custody:
        by_id[e.item_id].append({**e.to_json(), "at": e.at.isoformat()})
    shots = {f.path: f.data for f in files if f.path.endswith("/screenshot.png")}
    context: dict[str, Any] = {
        "case": {"id": case.id, "title": case.title},
        "exported_at": now.isoformat(),
        "exported_by": actor,
        "why": reason,
        "software": f"tipwatch {__version__}",
        "fingerprint": keys.fingerprint(key.public_key()),
        "items": [
            {**it, "custody": by_id.get(it["id"], []), "screenshot_src": f"evidence/item-{it['id']}/screenshot.png"}
            for it in listed
        ],
    }
    html = render(context)
    files.append(BundleFile("report.html", html.encode("utf-8")))
    if pdf:
        for it in context["items"]:  # the PDF is printed from memory: screenshots inline
            data = shots.get(it["screenshot_src"])
            it["screenshot_src"] = f"data:image/png;base64,{base64.b64encode(data).decode()}" if data else ""
        printed = print_pdf(render(context), chromium)
        if printed is not None:
            files.append(BundleFile("report.pdf", printed))
    digest = bundle.write_bundle(
        out,
        files,
        title=f"Case {case.id}: {case.title}",
        created=now,
        software=f"tipwatch {__version__}",
        extra={
            "mainPageURL": items[0].final_url,
            "case": {"id": case.id, "title": case.title},
            "exported_by": actor,
            "why": reason,
            "items": [it["id"] for it in listed],
            "public_key_fingerprint": keys.fingerprint(key.public_key()),
        },
        sign=key.sign,
        public_key=key.public_key(),
        timestamp=None if tsa_url is None else stamper(tsa_url, allow_private=tsa_allow_private),
    )
    audit.append(
        store, actor, "evidence.export", f"case:{case.id}", reason, {"bundle": out.name, "manifest_sha256": digest}
    )
    return digest


def stamper(url: str, *, allow_private: bool = False, timeout: float = 30.0) -> Callable[[bytes], bytes]:
    """Asks the RFC 3161 authority at ``url`` for a token over the given bytes (through safehttp: the same address
    rules as every fetch), and checks that the answer is a granted token covering them."""

    def stamp(data: bytes) -> bytes:
        limits = safehttp.Limits(max_bytes=1_000_000, timeout=timeout, max_redirects=0, allow_private=allow_private)
        answer = safehttp.post(url, timestamp.request(data), limits, content_type=timestamp.MEDIA_TYPE)
        if isinstance(answer, str):
            raise EvidenceError("timestamp_error", f"timestamp authority {url}: {answer}")
        if answer.status != 200:
            raise EvidenceError("timestamp_error", f"timestamp authority {url} answered HTTP {answer.status}")
        try:
            timestamp.check(answer.body, data)
        except timestamp.TimestampError as exc:
            raise EvidenceError("timestamp_error", f"timestamp authority {url}: {exc}") from None
        return answer.body

    return stamp


def verify_bundle(path: Path, public_key: Path | None = None, tsa_roots: Path | None = None) -> Verdict:
    """Check a bundle with nothing but the bundle and (optionally, but that is what makes it independent) the
    public key file; with ``tsa_roots`` (the timestamp authority's root certificates, PEM) its RFC 3161 token too."""
    pem = public_key.read_bytes() if public_key is not None else None
    roots = tsa_roots.read_bytes() if tsa_roots is not None else None
    return bundle.verify(path, pem, tsa_roots_pem=roots)


def verify_upload(store: Store, data_dir: Path, path: Path, *, actor: str, name: str, limits: bundle.Limits) -> Verdict:
    """Check a bundle someone uploaded (any bytes at all: the ZIP's directory is checked against ``limits`` before
    anything is unpacked, and nothing is extracted to disk) against this installation's own public key: did this
    installation sign it, and is it unchanged since? That is the question a returned or forwarded copy raises;
    a third party asks it with ``tipwatch evidence verify`` and a key obtained separately. Audited, with the
    result."""
    pem = keys.public_pem(keys.load_or_create(data_dir).public_key()).encode()
    verdict = bundle.verify(path, pem, limits, label=name)
    audit.append(
        store,
        actor,
        "evidence.verify",
        "bundle",
        "",
        {"file": name[:200], "ok": verdict.ok, "failure": verdict.failure[:300]},
    )
    return verdict
