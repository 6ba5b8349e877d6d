"""Capture a web page as evidence: the HTTP exchanges into a WARC, a full-page screenshot and the rendered HTML from
headless Chromium, the page's images, and the capture's metadata (UTC time, tool version, operator, case, purpose).

Every byte comes through ``safehttp`` (each hop and resolved address checked, one deadline, a size limit), the
browser's own requests included: Chromium is driven by Playwright with every request intercepted and answered from
a ``safehttp`` download (recorded into the WARC), and a proxy that does not exist for anything else (so a
WebSocket or a request the interception missed goes nowhere). The page's own document is answered with the very
bytes the WARC records, so the screenshot shows what the WARC holds.

Each artifact is stored once, by its SHA-256, read-only (``tipwatch.evidence.objects``); the item, its artifacts'
hashes and its first custody event ("captured", signed) go to the store in one transaction (``store.evidence``).
A capture that cannot be made raises ``CaptureError`` naming the URL and the reason; nothing is stored then.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urldefrag, urlsplit, urlunsplit

from tipwatch import __version__, safehttp
from tipwatch.evidence.custody import canonical_json
from tipwatch.evidence.objects import ObjectStore
from tipwatch.evidence.warc import Exchange, build_warc
from tipwatch.media.index import MatchIndex
from tipwatch.services import audit
from tipwatch.services.cases import get_case
from tipwatch.services.evidence import signer
from tipwatch.services.matching import load_index
from tipwatch.store.facade import Store
from tipwatch.store.interface.evidence import Artifact, EvidenceItem, NewItem

__all__ = ["CHROMIUM", "Browser", "CaptureError", "CaptureOptions", "capture", "capture_many"]

CHROMIUM = "/usr/bin/chromium"
TOOL = "tipwatch"
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Headers that describe the transfer, not the content: the browser gets the decoded body without them.
_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive"})
_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    # Every http(s) request is answered by the interception; anything else would go to this proxy, which refuses.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
]


class CaptureError(Exception):
    """A capture refused or failed; ``str(exc)`` names the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True, slots=True)
class CaptureOptions:
    allow_private: bool = False  # --allow-private-addresses: lab or intranet mirrors, and tests on 127.0.0.1
    timeout: float = 60.0  # seconds for the whole capture: page, every resource, rendering
    page_timeout: float = 20.0  # seconds for the page's own download (redirects included)
    max_page_bytes: int = 10_000_000
    max_resource_bytes: int = 20_000_000
    max_total_bytes: int = 100_000_000
    max_resources: int = 300
    max_redirects: int = 5
    viewport: tuple[int, int] = (1280, 900)
    chromium: str = CHROMIUM
    user_agent: str = f"Mozilla/5.0 (X11; Linux x86_64) tipwatch/{__version__} (evidence capture)"


@dataclass(slots=True)
class _Session:
    """What one capture gathers while the browser runs."""

    options: CaptureOptions
    deadline: float
    exchanges: list[Exchange] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    total: int = 0

    def left(self) -> float:
        return self.deadline - time.monotonic()


def _exchange(r: safehttp.Response, resource_type: str) -> Exchange:
    return Exchange(
        r.url,
        datetime.now(UTC),
        r.status,
        r.reason,
        r.http_version,
        r.request_headers,
        r.raw_headers,
        r.body,
        r.peer,
        resource_type,
        dict(r.headers),
    )


def _media_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _fetch_page(url: str, session: _Session) -> safehttp.Response:
    opts = session.options
    hops: list[safehttp.Response] = []

    def accept(status: int, headers: dict[str, str]) -> str | None:
        if status >= 400:
            return f"the server answered HTTP {status}: nothing to capture"
        if status != 200:
            return f"the server answered HTTP {status}, not a page"
        mt = _media_type(headers)
        if mt not in HTML_TYPES:
            return f"not an HTML page (content type {mt or 'missing'}): capture web pages only"
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > opts.max_page_bytes:
            return f"too large: the page is {int(length)} bytes, over the limit of {opts.max_page_bytes}"
        return None

    limits = safehttp.Limits(
        opts.max_page_bytes,
        timeout=min(opts.page_timeout, session.left()),
        max_redirects=opts.max_redirects,
        allow_private=opts.allow_private,
        user_agent=opts.user_agent,
    )
    result = safehttp.get(url, limits, accept=accept, on_redirect=hops.append)
    if isinstance(result, str):
        if result.startswith("too large"):
            result = f"too large: the page is over the limit of {opts.max_page_bytes} bytes"
        raise CaptureError(url, result)
    for hop in hops:
        session.exchanges.append(_exchange(hop, "redirect"))
    session.exchanges.append(_exchange(result, "document"))
    session.total += len(result.body)
    return result


def _fulfill_headers(headers: Sequence[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in headers:
        if k.lower() not in _HOP_HEADERS:
            out[k] = f"{out[k]}, {v}" if k in out else v
    return out


def _same_page(a: str, b: str) -> bool:
    """Whether two URLs name the same document as a browser requests it (no fragment; an empty path is "/")."""

    def norm(u: str) -> str:
        parts = urlsplit(urldefrag(u)[0])
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))

    return norm(a) == norm(b)


def _router(session: _Session, page: safehttp.Response) -> Callable[[Any], None]:
    """The interception: the page's document from the WARC's bytes; every other GET through safehttp."""
    opts = session.options
    served = {"page": False}

    def handle(route: Any) -> None:
        req = route.request
        url = req.url
        if not served["page"] and _same_page(url, page.url):
            served["page"] = True
            route.fulfill(status=page.status, headers=_fulfill_headers(page.raw_headers), body=page.body)
            return
        if req.method != "GET" or not url.startswith(("http://", "https://")):
            session.failed.append({"url": url[:2000], "reason": f"{req.method} requests are not made by a capture"})
            route.abort()
            return
        if len(session.exchanges) >= opts.max_resources or session.total >= opts.max_total_bytes:
            session.failed.append({"url": url[:2000], "reason": "the capture's resource limit was reached"})
            route.abort()
            return
        left = session.left()
        if left <= 0.5:
            session.failed.append({"url": url[:2000], "reason": "the capture's time limit was reached"})
            route.abort()
            return
        limits = safehttp.Limits(
            min(opts.max_resource_bytes, opts.max_total_bytes - session.total),
            timeout=left - 0.5,
            max_redirects=opts.max_redirects,
            allow_private=opts.allow_private,
            user_agent=opts.user_agent,
        )
        hops: list[safehttp.Response] = []
        result = safehttp.get(url, limits, on_redirect=hops.append)
        if isinstance(result, str):
            session.failed.append({"url": url[:2000], "reason": result})
            route.abort()
            return
        for hop in hops:
            session.exchanges.append(_exchange(hop, "redirect"))
        session.exchanges.append(_exchange(result, str(req.resource_type)))
        session.total += len(result.body)
        route.fulfill(status=result.status, headers=_fulfill_headers(result.raw_headers), body=result.body)

    return handle


@dataclass(slots=True)
class _Rendered:
    screenshot: bytes
    html: str
    title: str
    browser: str


_T = TypeVar("_T")


class Browser:
    """One headless Chromium for a series of captures (each capture gets a fresh context: no cookies, cache or
    storage carried from one page to the next). Use as a context manager.

    Playwright's sync API runs on its own thread here: it refuses a thread where an asyncio loop runs (a web
    server's, or another sync Playwright session's), and a capture may be asked for from any of those."""

    def __init__(self, chromium: str = CHROMIUM) -> None:
        self.chromium = chromium
        self._pw: Any = None
        self._browser: Any = None
        self._thread: ThreadPoolExecutor | None = None

    def _on_thread(self, fn: Callable[..., _T], *args: Any) -> _T:
        assert self._thread is not None, "use Browser as a context manager"
        return self._thread.submit(fn, *args).result()

    def __enter__(self) -> Browser:
        if not Path(self.chromium).exists():
            raise CaptureError("(browser)", f"no browser at {self.chromium}: install Chromium to capture")
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="capture-browser")
        try:
            self._on_thread(self._start)
        except BaseException:
            self._thread.shutdown(wait=True)
            self._thread = None
            raise
        return self

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(executable_path=self.chromium, args=_ARGS, headless=True)
        except Exception:
            self._pw.stop()
            raise

    def _stop(self) -> None:
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            self._pw.stop()

    def __exit__(self, *exc: object) -> None:
        try:
            self._on_thread(self._stop)
        finally:
            if self._thread is not None:
                self._thread.shutdown(wait=True)
                self._thread = None

    def render(self, page_response: safehttp.Response, session: _Session) -> _Rendered:
        return self._on_thread(self._render, page_response, session)

    def _render(self, page_response: safehttp.Response, session: _Session) -> _Rendered:
        from playwright.sync_api import Error as PlaywrightError

        opts = session.options
        try:
            context = self._browser.new_context(
                viewport={"width": opts.viewport[0], "height": opts.viewport[1]},
                user_agent=opts.user_agent,
                service_workers="block",
                accept_downloads=False,
            )
            try:
                context.route("**/*", _router(session, page_response))
                page = context.new_page()
                page.goto(page_response.url, wait_until="load", timeout=max(session.left(), 1) * 1000)
                # Late images and fonts; a page that never goes quiet is captured as it is.
                with contextlib.suppress(PlaywrightError):
                    page.wait_for_load_state("networkidle", timeout=min(3.0, max(session.left() - 5, 0.1)) * 1000)
                shot = page.screenshot(full_page=True, type="png", timeout=max(session.left(), 1) * 1000)
                return _Rendered(shot, page.content(), page.title(), str(self._browser.version))
            finally:
                context.close()
        except PlaywrightError as exc:
            reason = str(exc).splitlines()[0][:300]
            if "Timeout" in reason:
                reason = f"too slow: the page did not render within {opts.timeout:g} s"
            raise CaptureError(page_response.url, f"the browser failed: {reason}") from None


def _check_images(url: str, session: _Session, index: MatchIndex) -> list[dict[str, Any]]:
    """Match every image the page loaded against the hash banks. An abuse-material match ends the capture with
    nothing stored (the WARC and the screenshot would hold the image); other matches are kept as leads."""
    from tipwatch.media.hashing import hash_bytes

    leads: list[dict[str, Any]] = []
    if not len(index):
        return leads
    for ex in session.exchanges:
        if ex.status != 200 or not ex.body or not _media_type(ex.headers).startswith("image/"):
            continue
        h = hash_bytes(ex.body, dihedral=True)
        hits = index.match(sha256=h.sha256, md5=h.md5, dihedral=h.dihedral, quality=h.quality, signals=h.signals)
        abuse = [m for m in hits if m.is_abuse_material]
        if abuse:
            raise CaptureError(
                url,
                f"an image of the page (SHA-256 {h.sha256}) matched the abuse-material hash bank "
                f"{abuse[0].bank_name!r}: nothing was captured or kept; report it through the mandatory channel",
            )
        leads += [{"image_url": ex.url[:2000], "sha256": h.sha256, **m.as_json()} for m in hits]
    return leads


def _artifacts(
    objects: ObjectStore, session: _Session, rendered: _Rendered, warc: bytes, metadata: dict[str, Any]
) -> list[Artifact]:
    out: list[Artifact] = []

    def put(kind: str, data: bytes, media_type: str, source_url: str | None = None) -> None:
        out.append(Artifact(len(out) + 1, kind, objects.put(data), len(data), media_type, source_url))

    put("warc", warc, "application/warc")
    put("screenshot", rendered.screenshot, "image/png")
    put("html", rendered.html.encode("utf-8"), "text/html; charset=utf-8")
    seen: set[str] = set()
    for ex in session.exchanges:
        mt = _media_type(ex.headers)
        if ex.status == 200 and mt.startswith("image/") and ex.body:
            key = f"{ex.url}\n{len(ex.body)}"
            if key not in seen:
                seen.add(key)
                put("image", ex.body, mt, ex.url)
    metadata["artifacts"] = [
        {"kind": a.kind, "sha256": a.sha256, "size": a.size, "media_type": a.media_type, "source_url": a.source_url}
        for a in out
    ]
    put("metadata", canonical_json(metadata), "application/json")
    return out


def capture(
    store: Store,
    data_dir: Path,
    url: str,
    *,
    case_id: int,
    actor: str,
    purpose: str = "",
    options: CaptureOptions | None = None,
    browser: Browser | None = None,
    index: MatchIndex | None = None,
) -> EvidenceItem:
    """Capture ``url`` into case ``case_id`` as ``actor``; the stored item (raises CaptureError, or
    services.cases.CaseError for an unknown case). ``browser``: one already started (else one is started for this
    capture, after the page's download succeeded); ``index``: the hash banks' match index (else loaded here)."""
    opts = options or CaptureOptions()
    case = get_case(store, case_id)
    url = url.strip()
    session = _Session(opts, time.monotonic() + opts.timeout)
    started = datetime.now(UTC)
    page = _fetch_page(url, session)
    if browser is None:
        with Browser(opts.chromium) as own:
            rendered = own.render(page, session)
    else:
        rendered = browser.render(page, session)
    try:
        leads = _check_images(url, session, load_index(store) if index is None else index)
    except CaptureError as exc:
        audit.append(store, actor, "evidence.capture_refused", f"case:{case.id}", purpose, {"reason": exc.reason})
        raise
    post_ids = store.evidence.posts_with_url(url) or (
        store.evidence.posts_with_url(page.url) if page.url != url else []
    )
    metadata: dict[str, Any] = {
        "url": url,
        "final_url": page.url,
        "captured_at": started.isoformat(),
        "tool": TOOL,
        "tool_version": __version__,
        "browser": f"Chromium {rendered.browser}",
        "user_agent": opts.user_agent,
        "operator": actor,
        "case": {"id": case.id, "title": case.title},
        "purpose": purpose,
        "post_id": post_ids[0] if post_ids else None,
        "http_status": page.status,
        "ip": page.peer,
        "title": rendered.title,
        "redirects": [ex.url for ex in session.exchanges if ex.resource_type == "redirect"],
        "resources_recorded": len(session.exchanges),
        "resources_not_recorded": session.failed,
        "hash_bank_matches": leads,  # leads for review, not findings
    }
    info = {
        "software": f"{TOOL} {__version__}",
        "format": "WARC File Format 1.1",
        "operator": actor,
        "case": case.id,
        "purpose": purpose,
        "url": url,
        "captured-at": started.isoformat(),
    }
    warc = build_warc(session.exchanges, info, f"capture-{started.strftime('%Y%m%dT%H%M%S%f')}.warc.gz")
    artifacts = _artifacts(ObjectStore(data_dir), session, rendered, warc, metadata)
    details = {
        "url": url,
        "final_url": page.url,
        "artifacts": [{"kind": a.kind, "sha256": a.sha256, "size": a.size} for a in artifacts],
    }
    item, _ = store.evidence.add_item(
        NewItem(
            case_id=case.id,
            url=url,
            final_url=page.url,
            post_id=metadata["post_id"],
            http_status=page.status,
            ip=page.peer,
            title=rendered.title[:2000],
            captured_at=started,
            captured_by=actor,
            purpose=purpose,
            tool_version=__version__,
        ),
        artifacts,
        details=details,
        sign=signer(data_dir),
    )
    audit.append(store, actor, "evidence.capture", f"evidence:{item.id}", purpose, {"case": case.id, "url": url[:2000]})
    return item


def capture_many(
    store: Store,
    data_dir: Path,
    urls: Sequence[str],
    *,
    case_id: int,
    actor: str,
    purpose: str = "",
    options: CaptureOptions | None = None,
) -> list[EvidenceItem | CaptureError]:
    """Capture each URL in turn with one browser; one failing does not stop the others (its CaptureError is in the
    list)."""
    opts = options or CaptureOptions()
    get_case(store, case_id)
    out: list[EvidenceItem | CaptureError] = []
    index = load_index(store)
    with Browser(opts.chromium) as browser:
        for url in urls:
            try:
                out.append(
                    capture(
                        store,
                        data_dir,
                        url,
                        case_id=case_id,
                        actor=actor,
                        purpose=purpose,
                        options=opts,
                        browser=browser,
                        index=index,
                    )
                )
            except CaptureError as exc:
                out.append(exc)
    return out
