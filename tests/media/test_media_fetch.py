"""Downloads on request, against a real HTTP server on 127.0.0.1: limits, content type, redirects, errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from media_helpers import encode, photo

from tipwatch.media.fetch import FetchOptions, fetch_image
from tipwatch.media.post_media import MediaOptions, analyze_post_media
from tipwatch.model import Post

JPEG = encode(photo(51))


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        routes = {
            "/ok.jpg": (200, "image/jpeg", JPEG),
            "/page.html": (200, "text/html", b"<html></html>"),
            "/untyped": (200, "", JPEG),
            "/missing.jpg": (404, "text/plain", b"nope"),
            "/big.jpg": (200, "image/jpeg", b"\xff" * 5000),
        }
        if self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
            return
        if self.path == "/liar.jpg":  # claims to be small, sends more
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.end_headers()
            self.wfile.write(b"\xff" * 5000)
            return
        status, ctype, body = routes.get(self.path, (404, "text/plain", b""))
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


LOCAL = FetchOptions(allow_private=True)  # the test server is on 127.0.0.1, refused by default


def test_fetch_ok_and_untyped(server: str) -> None:
    got = fetch_image(f"{server}/ok.jpg", LOCAL)
    assert not isinstance(got, str) and got.data == JPEG and got.content_type == "image/jpeg"
    assert not isinstance(fetch_image(f"{server}/untyped", LOCAL), str)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/page.html", "not an image: Content-Type 'text/html'"),
        ("/missing.jpg", "HTTP 404"),
        ("/big.jpg", "too large: Content-Length 5000"),
        ("/liar.jpg", "too large: over 1000 bytes"),
        ("/loop", "too many redirects"),
    ],
)
def test_fetch_refusals(server: str, path: str, reason: str) -> None:
    got = fetch_image(f"{server}{path}", FetchOptions(max_bytes=1000, max_redirects=3, allow_private=True))
    assert isinstance(got, str) and reason in got


def test_fetch_refuses_other_schemes_and_dead_servers() -> None:
    assert "not an http(s) URL" in str(fetch_image("ftp://127.0.0.1/x.jpg"))
    got = fetch_image("http://127.0.0.1:9/x.jpg", FetchOptions(timeout=2, allow_private=True))
    assert isinstance(got, str) and ("failed" in got or "timed out" in got)


def test_post_images_are_fetched_only_when_asked(server: str, tmp_path: Path) -> None:
    post = Post(id="u", source="s.jsonl", position="1", images=[f"{server}/ok.jpg", f"{server}/page.html"])
    off = analyze_post_media(post, tmp_path)
    assert [i.status for i in off.items] == ["skipped", "skipped"]
    on = analyze_post_media(post, tmp_path, options=MediaOptions(fetch=True, fetch_options=LOCAL))
    assert on.items[0].status == "ok" and on.items[0].pdq
    assert on.items[1].status == "rejected" and "Content-Type" in on.items[1].reason


def test_hash_command_fetches_only_with_download(server: str, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from tipwatch.cli.main import app

    local = tmp_path / "local.jpg"
    local.write_bytes(JPEG)
    runner = CliRunner()
    args = ["hash", str(local), f"{server}/ok.jpg"]
    off = runner.invoke(app, args)
    rows = [json.loads(x) for x in off.stdout.splitlines()]
    assert off.exit_code == 1 and rows[0]["pdq"] and "pass --download" in rows[1]["error"]
    refused = runner.invoke(app, [*args, "--download"])
    rows = [json.loads(x) for x in refused.stdout.splitlines()]
    assert refused.exit_code == 1 and "loopback" in rows[1]["error"]
    on = runner.invoke(app, [*args, "--download", "--allow-private-addresses"])
    rows = [json.loads(x) for x in on.stdout.splitlines()]
    assert on.exit_code == 0 and rows[0]["sha256"] == rows[1]["sha256"] and rows[1]["file"] == f"{server}/ok.jpg"
