"""What the browser tests share: the running site and signing in through the form."""

from __future__ import annotations

from dataclasses import dataclass

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


def login(page: Page, site: Site, name: str, then: str = "/") -> None:
    """Sign in through the form, the way a person does."""
    page.goto(site.base + then)
    assert "/login" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.base + then)
