"""The real app served by uvicorn on 127.0.0.1 (a free port, a background thread) over a SQLite store with a small
synthetic corpus, and Debian's Chromium driven headless by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_corpus import build
from browser_helpers import PASSWORD, Site, serve_app
from playwright.sync_api import Browser, Page, sync_playwright

from tipwatch.config import Config
from tipwatch.services import accounts
from tipwatch.store.facade import Store
from tipwatch.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USERS = {"ana": "analyst", "bob": "analyst", "vic": "viewer", "sue": "supervisor"}

if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed at /usr/bin/chromium", allow_module_level=True)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("site")
    (tmp / "images").mkdir()
    config = Config(
        database_url=f"sqlite:///{tmp / 'store.db'}",
        data_dir=tmp / "data",
        secret_key="b" * 40,  # type: ignore[arg-type]
        plain_http_loopback=True,
        image_roots=[tmp / "images"],
    )
    app = create_app(config)
    store: Store = app.state.store
    corpus = build(store, tmp / "corpus")
    for name, role in USERS.items():
        accounts.add_user(store, name, PASSWORD, role=role, actor="test")
    with serve_app(app) as base:
        yield Site(base, app, store, corpus)
    store.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def browser_pages(browser: Browser) -> Iterator[tuple[Page, Page]]:
    """Two browsers' pages (separate contexts: separate cookies), for two analysts at once."""
    one = browser.new_context(viewport={"width": 1280, "height": 860})
    two = browser.new_context(viewport={"width": 1280, "height": 860})
    yield one.new_page(), two.new_page()
    one.close()
    two.close()
