"""A real TAXII 2.1 server for the feed tests: the OASIS reference server medallion (memory backend, JSON config) on
127.0.0.1 in a process of its own; and the posts of a network with every kind of identifier a feed carries."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

USER, PASSWORD = "unit7", "not-a-real-secret"
COLLECTIONS = {
    "out": "8f2b7a52-6d0c-4c1e-9d61-1f7b2c7e0a01",
    "hostile": "8f2b7a52-6d0c-4c1e-9d61-1f7b2c7e0a02",
    "cli": "8f2b7a52-6d0c-4c1e-9d61-1f7b2c7e0a03",
}
PAGE = 7  # the server's page size: small, so pulls page through the collection

# A network (f1-f3 share a phone) holding a phone, an e-mail, a Telegram and an Instagram handle, a Bitcoin and an
# Ethereum wallet and a URL; f4 is alone (not in the network).
POSTS_F = [
    (
        "f1",
        "New girls in town",
        "call +91 98765 43210, telegram @rosy_agency, pay btc bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq, "
        "see https://rosy-agency.example.com/jobs mail rosy@example.com",
        ["shared1.jpg"],
    ),
    (
        "f2",
        "Fresh arrivals",
        "whatsapp 98765 43210 eth 0x52908400098527886E0F7030069857D2E4169EE7 insta: rosy.girls",
        [],
    ),
    ("f3", "Girls available", "call now 9876543210, new girls daily", ["shared1.jpg"]),
    ("f4", "Room for rent", "call +91 90000 22222 for the room", []),
]
PICTURES_F = {"shared1.jpg": (11, "original")}
AD_TEXT = "new girls daily"


@dataclass(frozen=True, slots=True)
class Taxii:
    api_root: str
    discovery: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def medallion(folder: Path) -> Iterator[Taxii]:
    """medallion serving one API root with the COLLECTIONS (readable and writable by USER)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = {
        "/discovery": {
            "title": "tipwatch test TAXII server",
            "description": "medallion for the feed tests",
            "contact": "nobody",
            "default": f"{base}/api1/",
            "api_roots": [f"{base}/api1/"],
        },
        "api1": {
            "information": {
                "title": "api1",
                "description": "test API root",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 10485760,
            },
            "status": [],
            "collections": [
                {
                    "id": cid,
                    "title": name,
                    "description": "",
                    "can_read": True,
                    "can_write": True,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": [],
                    "manifest": [],
                }
                for name, cid in COLLECTIONS.items()
            ],
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.json").write_text(json.dumps(data), encoding="utf-8")
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(folder / "data.json"),
        },
        "users": {USER: PASSWORD},
        "taxii": {"max_page_size": PAGE},
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    exe = Path(sys.executable).parent / "medallion"
    log = (folder / "medallion.log").open("wb")
    proc = subprocess.Popen(
        [str(exe), "--host", "127.0.0.1", "--port", str(port), str(folder / "config.json")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(
                    f"{base}/taxii2/",
                    auth=(USER, PASSWORD),
                    headers={"Accept": "application/taxii+json;version=2.1"},
                    timeout=2,
                    trust_env=False,
                )
                if r.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"medallion did not start: {(folder / 'medallion.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield Taxii(f"{base}/api1/", f"{base}/taxii2/")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
