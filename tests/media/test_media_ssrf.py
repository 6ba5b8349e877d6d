"""SSRF guard (tipwatch.safehttp) against real HTTP servers on 127.0.0.1/127.0.0.2: every hop and every resolved
address checked, credentials refused, one total deadline."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from media_helpers import encode, photo

from tipwatch import safehttp
from tipwatch.media.fetch import FetchOptions, fetch_image
from tipwatch.safehttp import blocked_reason

JPEG = encode(photo(52))


def _serve(host: str, handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer((host, 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://{host}:{httpd.server_address[1]}"


class _Image(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/to/"):  # /to/<url>: redirect there
            self.send_response(302)
            self.send_header("Location", self.path[len("/to/") :])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/drip":  # a status line, then one header byte every 0.2 s for a minute
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            self.wfile.flush()
            for _ in range(300):
                try:
                    self.wfile.write(b"a")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(JPEG)))
        self.end_headers()
        self.wfile.write(JPEG)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str]]:
    """One server on 127.0.0.1 and one on 127.0.0.2 (Linux routes all of 127/8 to the loopback interface)."""
    first, url1 = _serve("127.0.0.1", _Image)
    second, url2 = _serve("127.0.0.2", _Image)
    try:
        yield url1, url2
    finally:
        for httpd in (first, second):
            httpd.shutdown()
            httpd.server_close()


@pytest.fixture
def only_127_0_0_1_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend 127.0.0.1 is a public address (so the tests can reach a server) while every other address keeps the
    real rule: 127.0.0.2 plays the internal host an attacker aims at."""
    real = safehttp.blocked_reason

    def rule(ip: Any) -> str | None:
        return None if ip == ipaddress.ip_address("127.0.0.1") else real(ip)

    monkeypatch.setattr(safehttp, "blocked_reason", rule)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1",
        "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::", "64:ff9b::a00:1", "2001:db8::1",
    ],
)  # fmt: skip
def test_blocked_ranges(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "2130706433", "0x7f000001", "0x7f.1", "127.1", "0177.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "0"],
)
def test_loopback_in_every_spelling_is_refused(servers: tuple[str, str], host: str) -> None:
    port = servers[0].rsplit(":", 1)[1]
    got = fetch_image(f"http://{host}:{port}/ok.jpg", FetchOptions(timeout=5))
    assert isinstance(got, str) and got.startswith("refused:"), got


def test_credentials_are_refused_even_when_private_addresses_are_allowed(servers: tuple[str, str]) -> None:
    url = servers[0].replace("http://", "http://user:secret@") + "/ok.jpg"
    got = fetch_image(url, FetchOptions(allow_private=True))
    assert isinstance(got, str) and "credentials" in got


def test_allow_private_addresses_permits_them(servers: tuple[str, str]) -> None:
    got = fetch_image(f"{servers[1]}/ok.jpg", FetchOptions(allow_private=True))
    assert not isinstance(got, str) and got.data == JPEG


@pytest.mark.usefixtures("only_127_0_0_1_public")
def test_every_redirect_hop_is_checked(servers: tuple[str, str]) -> None:
    public, internal = servers
    assert not isinstance(fetch_image(f"{public}/ok.jpg"), str)  # the "public" server is reachable
    got = fetch_image(f"{public}/to/{internal}/ok.jpg")
    assert isinstance(got, str) and "127.0.0.2" in got and got.startswith("refused:")
    got = fetch_image(f"{public}/to/{public}/ok.jpg")  # a redirect to an allowed host is followed
    assert not isinstance(got, str) and got.data == JPEG


@pytest.mark.usefixtures("only_127_0_0_1_public")
def test_every_resolved_address_is_checked(servers: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A name resolving to a public and an internal address is refused (DNS would pick either)."""
    port = int(servers[0].rsplit(":", 1)[1])
    real = socket.getaddrinfo

    def fake(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "both.example":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.2", port)),
            ]
        if host == "one.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    got = fetch_image(f"http://both.example:{port}/ok.jpg")
    assert isinstance(got, str) and "127.0.0.2" in got
    got = fetch_image(f"http://one.example:{port}/ok.jpg")  # connects to the checked address, Host header kept
    assert not isinstance(got, str) and got.data == JPEG


def test_a_server_dripping_headers_is_cut_off_at_the_total_deadline(servers: tuple[str, str]) -> None:
    started = time.monotonic()
    got = fetch_image(f"{servers[0]}/drip", FetchOptions(timeout=1.5, allow_private=True))
    elapsed = time.monotonic() - started
    assert isinstance(got, str) and "too slow" in got
    assert elapsed < 4, elapsed


def test_analyze_fetch_images_refuses_private_addresses_unless_allowed(servers: tuple[str, str], tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from tipwatch.cli.main import app

    ads = tmp_path / "ads.jsonl"
    ads.write_text(f'{{"id": "a1", "body": "new in town", "images": ["{servers[0]}/ok.jpg"]}}\n', encoding="utf-8")
    runner = CliRunner()
    base = ["analyze", str(ads), "--fetch-images", "--no-link", "--workers", "1"]
    refused = runner.invoke(
        app, [*base, "--db", f"sqlite:///{tmp_path / 'a.db'}", "--quarantine", str(tmp_path / "qa")]
    )
    assert refused.exit_code == 0, refused.output
    assert "loopback" in (tmp_path / "qa").read_text(encoding="utf-8")
    allowed = runner.invoke(
        app,
        [
            *base,
            "--db",
            f"sqlite:///{tmp_path / 'b.db'}",
            "--quarantine",
            str(tmp_path / "qb"),
            "--allow-private-addresses",
        ],
    )
    assert allowed.exit_code == 0, allowed.output
    assert "loopback" not in (tmp_path / "qb").read_text(encoding="utf-8")
    assert "1 referenced, 0 rejected" in allowed.output and "1 referenced, 1 rejected" in refused.output
