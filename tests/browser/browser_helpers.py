"""What the browser tests share: the running site, serving an app on 127.0.0.1, signing in through the form."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import uvicorn
from browser_corpus import Corpus
from fastapi import FastAPI
from playwright.sync_api import Page

from tipwatch.store.facade import Store

PASSWORD = "a long enough password"


@dataclass(frozen=True, slots=True)
class Site:
    base: str
    app: FastAPI
    store: Store
    corpus: Corpus


class Served(Protocol):
    @property
    def base(self) -> str: ...


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 (a free port, a background thread); yields its base URL."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def login(page: Page, site: Served, name: str, then: str = "/") -> None:
    """Sign in through the form, the way a person does."""
    page.goto(site.base + then)
    assert "/login" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.base + then)
