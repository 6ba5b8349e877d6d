"""A small ad site on 127.0.0.1 (http.server in a thread) for capture tests: ad pages with pictures, a redirect,
a 404, a page too slow to answer, a JSON document, a page over the size limit, and a page that can be taken down."""

from __future__ import annotations

import contextlib
import http.server
import io
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from PIL import Image


def png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


AD = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/style.css"></head>
<body><h1>{title}</h1><p>{text}</p><img src="/img/{n}.png" alt="picture {n}"></body></html>"""


@dataclass
class Site:
    base: str
    pages: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)  # path -> status, type, body
    slow_seconds: float = 5.0

    def url(self, path: str) -> str:
        return self.base + path


def _pages() -> dict[str, tuple[int, str, bytes]]:
    pages: dict[str, tuple[int, str, bytes]] = {
        "/ad/1": (200, "text/html; charset=utf-8", AD.format(title="New in town", text="call 555 0101", n=1).encode()),
        "/": (200, "text/html", b"<!doctype html><title>Home</title><p>ads</p>"),
        "/ad/2": (200, "text/html; charset=utf-8", AD.format(title="Sweet girls <b>", text="24/7", n=2).encode()),
        "/img/1.png": (200, "image/png", png((200, 30, 30))),
        "/img/2.png": (200, "image/png", png((30, 30, 200))),
        "/style.css": (200, "text/css", b"body{background:#fff}"),
        "/data.json": (200, "application/json", b'{"not": "a page"}'),
        "/huge": (200, "text/html", b"<html><body>" + b"x" * 300_000 + b"</body></html>"),
    }
    return pages


@contextmanager
def serve() -> Iterator[Site]:
    site = Site("")
    site.pages = _pages()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/go":
                self.send_response(302)
                self.send_header("Location", "/ad/1")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path == "/slow":
                time.sleep(site.slow_seconds)
            status, ctype, body = site.pages.get(self.path, (404, "text/html", b"<h1>gone</h1>"))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a capture that gave up (too slow)
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
