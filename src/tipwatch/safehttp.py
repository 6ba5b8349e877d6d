"""Outbound HTTP GET that hostile input cannot aim at the analyst's own network (SSRF), nor hold for long.

An ad names the URLs tipwatch downloads (``--fetch-images``; later evidence capture), so every URL is hostile:

- only http and https; URLs with credentials (``http://user:pw@host/``) are refused;
- the host is resolved here and *every* address it resolves to must be public: loopback, private, link-local,
  multicast, reserved, unspecified, shared (CGNAT) and documentation ranges are refused, including IPv4 inside IPv6
  (``::ffff:127.0.0.1``, 6to4, NAT64) and the numeric forms the C resolver accepts (``2130706433``, ``0x7f.1``,
  ``127.1``), because the check is made on the resolved addresses, not on the spelling;
- the connection goes to the address that was checked (no second lookup a rebinding DNS server could answer
  differently);
- redirects are followed by this code, one hop at a time, each hop checked like the first;
- one total deadline covers the whole download, redirects included: every socket read and write gets only the time
  that is left, so a server that sends its headers a byte at a time is cut off;
- the body is read up to a byte limit (a lying or missing Content-Length cannot get past it);
- proxies from the environment are not used (the check would then be made on the proxy, not on the target).

``allow_private=True`` (the ``--allow-private-addresses`` flag) lifts the address check only, for a lab or an
intranet mirror; scheme, credential, redirect, time and size limits stay. Built on httpcore's public network-backend
interface, so the address check sits where the socket is opened.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

REDIRECTS = frozenset({301, 302, 303, 307, 308})
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Networks that is_global does not exclude on every Python version, or that deserve a clearer name.
_EXTRA_BLOCKED: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = (
    (ipaddress.ip_network("100.64.0.0/10"), "shared (carrier-grade NAT)"),
    (ipaddress.ip_network("192.0.0.0/24"), "IETF protocol assignments"),
    (ipaddress.ip_network("198.18.0.0/15"), "benchmarking"),
    (ipaddress.ip_network("64:ff9b:1::/48"), "local NAT64"),
)


class Refused(Exception):
    """The URL or an address it leads to is not allowed; ``str(exc)`` says which and why."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int
    timeout: float = 20.0  # seconds for the whole download, redirects included
    max_redirects: int = 5
    allow_private: bool = False
    user_agent: str = "tipwatch"


@dataclass(slots=True)
class Response:
    url: str  # after redirects
    status: int
    headers: dict[str, str]  # names lower-cased; a repeated header keeps its last value
    body: bytes
    # For evidence capture (WARC records): the address actually connected to, the headers as sent and received (in
    # order, names as spelled), the status line's reason phrase and the HTTP version.
    peer: str | None = None
    raw_headers: list[tuple[str, str]] = field(default_factory=list)
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    reason: str = ""
    http_version: str = "HTTP/1.1"


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be fetched from (None: a public address)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in ipaddress.ip_network("64:ff9b::/96"):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = blocked_reason(embedded)
            return f"{inner} (IPv4 {embedded} inside IPv6)" if inner else None
    for flag in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved", "site_local"):
        if getattr(ip, f"is_{flag}", False):
            return flag.replace("_", "-")
    for network, name in _EXTRA_BLOCKED:
        if ip.version == network.version and ip in network:
            return name
    if not ip.is_global:
        return "not a global address"
    return None


def check_url(url: str) -> httpx.URL:
    """Parse ``url`` and refuse what is never fetched (other schemes, credentials, no host). Addresses are checked
    when connecting (see GuardedBackend)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise Refused(f"not a valid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise Refused(f"not an http(s) URL: {url[:200]}")
    if parsed.userinfo:
        raise Refused("URL carries credentials (user:password@): refused")
    if not parsed.host:
        raise Refused(f"URL has no host: {url[:200]}")
    return parsed


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (the system resolver: numeric forms like 0x7f.1 included)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
    seen: dict[IPAddress, None] = {}
    for family, _, _, _, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            seen.setdefault(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]), None)
    if not seen:
        raise httpcore.ConnectError(f"{host!r} has no IPv4 or IPv6 address")
    return list(seen)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every operation gets at most the time left before the download's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self.inner = inner
        self.deadline = deadline

    def _left(self, timeout: float | None) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("total time limit reached")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self._left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self._left(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(self.inner.start_tls(ssl_context, server_hostname, self._left(timeout)), self.deadline)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """Opens TCP connections only to checked addresses, and only until the deadline."""

    def __init__(self, deadline: float, allow_private: bool) -> None:
        self.deadline = deadline
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port)
        if not self.allow_private:
            for ip in addresses:
                reason = blocked_reason(ip)
                if reason is not None:
                    # One bad address refuses the host: which one a connection would use is not ours to choose.
                    raise Refused(f"{host} resolves to {ip}, a {reason} address (--allow-private-addresses to permit)")
        error: Exception | None = None
        for ip in addresses:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout("total time limit reached")
            try:
                stream = super().connect_tcp(str(ip), port, min(timeout or left, left), local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
                continue
            return _DeadlineStream(stream, self.deadline)
        raise error or httpcore.ConnectError(f"cannot connect to {host}")

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise Refused("unix sockets are never fetched from")


def _ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def _exchange(
    r: httpcore.Response, sent: list[tuple[bytes, bytes]]
) -> tuple[str | None, list[tuple[str, str]], list[tuple[str, str]], str, str]:
    """What a WARC record keeps of one exchange: peer address, headers received and sent, reason, HTTP version."""
    peer: str | None = None
    stream = r.extensions.get("network_stream")
    if stream is not None:
        addr = stream.get_extra_info("server_addr")
        peer = str(addr[0]) if addr else None
    reason = r.extensions.get("reason_phrase", b"")
    version = r.extensions.get("http_version", b"HTTP/1.1")
    return (
        peer,
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in r.headers],
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in sent],
        reason.decode("latin-1") if isinstance(reason, bytes) else str(reason),
        version.decode("ascii", "replace") if isinstance(version, bytes) else str(version),
    )


# Everything a request can fail with that is the server's or the network's doing (socket errors outside httpcore's
# mapping; a bad Location header): answered as a reason, never raised.
_FAILURES = (
    Refused,
    httpcore.TimeoutException,
    httpcore.ProtocolError,
    httpcore.NetworkError,
    httpcore.UnsupportedProtocol,
    ssl.SSLError,
    OSError,
    ValueError,
)


def _failure(exc: Exception, limits: Limits, verb: str) -> str:
    if isinstance(exc, Refused):
        return f"refused: {exc}"
    if isinstance(exc, httpcore.TimeoutException):
        return f"too slow: not complete within {limits.timeout:g} s"
    return f"{verb} failed: {type(exc).__name__}: {exc}"[:300]


def _read_capped(r: Any, limits: Limits) -> bytes | str:
    """The response body, or the reason it was not read whole (over ``limits.max_bytes``)."""
    body = bytearray()
    for chunk in r.iter_stream():
        body += chunk
        if len(body) > limits.max_bytes:
            return f"too large: over {limits.max_bytes} bytes"
    return bytes(body)


def get(
    url: str,
    limits: Limits,
    *,
    accept: Callable[[int, dict[str, str]], str | None] | None = None,
    on_redirect: Callable[[Response], None] | None = None,
) -> Response | str:
    """GET ``url`` within ``limits``; a Response, or a reason (never raises on a bad URL or server).

    ``accept(status, headers)`` is called on the final response before its body is read: return a reason to stop.
    ``on_redirect(response)`` is told of each redirect hop (its body is not read: ``body`` is empty).
    """
    deadline = time.monotonic() + limits.timeout
    backend = GuardedBackend(deadline, limits.allow_private)
    current = url
    try:
        with httpcore.ConnectionPool(ssl_context=_ssl_context(), network_backend=backend, retries=0) as pool:
            for _hop in range(limits.max_redirects + 1):
                target = check_url(current)
                origin = httpcore.URL(
                    scheme=target.raw_scheme, host=target.raw_host, port=target.port, target=target.raw_path
                )
                headers_out = [(b"Host", target.netloc), (b"User-Agent", limits.user_agent.encode())]
                timeouts = {"connect": limits.timeout, "read": limits.timeout, "write": limits.timeout}
                with pool.stream("GET", origin, headers=headers_out, extensions={"timeout": timeouts}) as r:
                    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in r.headers}
                    hop = Response(str(target), r.status, headers, b"", *_exchange(r, headers_out))
                    if r.status in REDIRECTS and "location" in headers:
                        if on_redirect is not None:
                            on_redirect(hop)
                        current = str(target.join(headers["location"]))
                        continue
                    if accept is not None:
                        reason = accept(r.status, headers)
                        if reason is not None:
                            return reason
                    body = _read_capped(r, limits)
                    if isinstance(body, str):
                        return body
                    hop.body = body
                    return hop
            return f"too many redirects (over {limits.max_redirects})"
    except _FAILURES as exc:
        return _failure(exc, limits, "download")


def post(url: str, body: bytes, limits: Limits, *, content_type: str = "application/json") -> Response | str:
    """POST ``body`` to ``url`` within ``limits`` (the same address, time and size checks as ``get``); a Response or
    a reason. Redirects are not followed: a 3xx is returned as it is (resending a POST elsewhere is the caller's
    decision, not a server's)."""
    deadline = time.monotonic() + limits.timeout
    try:
        target = check_url(url)
        origin = httpcore.URL(scheme=target.raw_scheme, host=target.raw_host, port=target.port, target=target.raw_path)
        headers_out = [
            (b"Host", target.netloc),
            (b"User-Agent", limits.user_agent.encode()),
            (b"Content-Type", content_type.encode()),
            (b"Content-Length", str(len(body)).encode()),
        ]
        timeouts = {"connect": limits.timeout, "read": limits.timeout, "write": limits.timeout}
        backend = GuardedBackend(deadline, limits.allow_private)
        with (
            httpcore.ConnectionPool(ssl_context=_ssl_context(), network_backend=backend, retries=0) as pool,
            pool.stream("POST", origin, headers=headers_out, content=body, extensions={"timeout": timeouts}) as r,
        ):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in r.headers}
            answer = _read_capped(r, limits)
            if isinstance(answer, str):
                return answer
            return Response(str(target), r.status, headers, answer)
    except _FAILURES as exc:
        return _failure(exc, limits, "upload")
