"""Local servers for the notice tests, all on 127.0.0.1: a test site whose pages can be changed or removed, a
webhook that keeps what it is sent, an SMTP server (aiosmtpd) that keeps the mail; and posts stored with URLs."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from tipwatch.media_model import BankMatch, MediaMatch, MediaRecord, PostMedia
from tipwatch.model import Assessment, IndicatorHit, Post, PostResult
from tipwatch.store.facade import Store
from tipwatch.store.interface.media import NewBank

AD = "<html><head><title>Agency</title></head><body><h1>New girls</h1><p>Call now, no limit.</p></body></html>"


@dataclass
class Site:
    """Pages by path: (status, html), or (302, location) for a redirect. Change ``pages`` to take a page down or
    replace it."""

    port: int
    pages: dict[str, tuple[int, str]] = field(default_factory=dict)
    received: list[tuple[str, bytes]] = field(default_factory=list)  # POSTs: (path, body)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def serve_site() -> Iterator[Site]:
    server: ThreadingHTTPServer
    site = Site(0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, html = site.pages.get(self.path, (404, "<html><body>Not found</body></html>"))
            data = html.encode()
            self.send_response(status)
            if status in (301, 302):  # for a redirect, the page's text is where it goes
                self.send_header("Location", html)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            site.received.append((self.path, body))
            self.send_response(202)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "15")
            self.end_headers()
            self.wfile.write(b'{"ticket":"T1"}')

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def registry_file(path: Path, *, webhook: str) -> Path:
    """Two platforms: "adsite" (pages on 127.0.0.1, notices by e-mail) and "hooksite" (pages on localhost, notices
    to ``webhook``)."""
    path.write_text(
        f"""
removal_markers:
  source: test
  list: [this ad has been removed]
platforms:
  adsite:
    name: Ad Site
    domains: ["127.0.0.1"]
    abuse_email: abuse@adsite.test
    trusted_flagger: true
    source: test fixture
  hooksite:
    name: Hook Site
    domains: [localhost]
    api_endpoint: {webhook}
    source: test fixture
""",
        encoding="utf-8",
    )
    return path


def store_posts(store: Store, posts: Sequence[tuple[str, str | None]], *, abuse: Sequence[str] = ()) -> None:
    """Posts (id, url) with one indicator hit each; those in ``abuse`` get a picture matched in an abuse bank."""
    run = store.runs.start("test", [], None)
    sink = store.runs.sink(run)
    text = "New girls\nCall now, no limit."
    results = []
    for n, (pid, url) in enumerate(posts):
        post = Post(id=pid, source="s", position=f"line {n}", title="New girls", body="Call now, no limit.", url=url)
        hit = IndicatorHit("no_limit", "services", 1.5, text.index("no limit"), text.index("no limit") + 8, "no limit")
        results.append(PostResult(post, [], [hit], Assessment(0.8)))
    sink.write(results)
    store.runs.finish(run, sink.counts, "ok")
    if abuse:
        bank = store.banks.create_bank(NewBank("abuse-bank", "s", "l", signal_types=["md5"], is_abuse_material=True))
        media = []
        for pid in abuse:
            data = pid.encode()
            rec = MediaRecord(
                "a.png",
                "ok",
                sha256=hashlib.sha256(data).hexdigest(),
                md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                width=32,
                height=24,
                format="PNG",
                restricted=True,
            )
            hit_b = BankMatch(bank.id, bank.name, 1, "md5", 0, "exact", True)
            media.append(PostMedia(pid, [rec], [MediaMatch("a.png", rec.sha256, hit_b)]))
        store.media.write_post_media(media)


def local_settings(folder: Path, *, webhook: str, smtp_port: int, **more: Any) -> dict[str, Any]:
    """The ``notices:`` settings of a test installation: the two test platforms (``registry_file``), mail to the
    local SMTP server without TLS, and loopback addresses allowed for webhooks and re-checks."""
    return {
        "notifier_name": "Unit",
        "notifier_email": "unit@example.org",
        "registry": str(registry_file(folder / "platforms.yaml", webhook=webhook)),
        "allow_private_addresses": True,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_tls": "none",
        **more,
    }


def store_network(store: Store, network_id: str, post_ids: Sequence[str]) -> None:
    """One network of these posts in the links area (nothing else: no links, no entities)."""
    from tipwatch.store.interface.links import LinkUpdate

    network = {
        "id": network_id,
        "size": len(post_ids),
        "score": 1.0,
        "reasons": [],
        "profile": {},
        "first_posted_at": None,
        "last_posted_at": None,
    }
    store.links.write(
        LinkUpdate(
            full=True,
            fingerprint="t",
            post_ids=[],
            network_ids=[],
            entity_keys=[],
            entities=[],
            links=[],
            networks=[network],
            members=[{"post_id": p, "network_id": network_id} for p in post_ids],
        )
    )
