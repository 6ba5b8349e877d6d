"""Web addresses (canonical form); they claim their spans, and handles are read from the platform ones."""

from __future__ import annotations

from tipwatch.extract.context import Context
from tipwatch.extract.registry import IdentifierType, register
from tipwatch.extract.urls import find_urls, url_identifiers
from tipwatch.model import Identifier


@register
class UrlType(IdentifierType):
    name = "url"
    order = 0
    claims = True
    yields_to = ("email",)
    links = True
    label = "URL"
    ftm_property = "website"
    stix_type = "url"

    def find(self, ctx: Context) -> list[Identifier]:
        ctx.urls = find_urls(ctx)
        return url_identifiers(ctx.urls)

    def yielded(self, ctx: Context, spans: list[tuple[int, int]]) -> None:
        ctx.urls = [u for u in ctx.urls if not any(s <= u.start and u.end <= e for s, e in spans)]
