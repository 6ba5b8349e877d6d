"""Messaging and social handles as ``platform:name``, from platform URLs and keyword forms ("telegram: @x")."""

from __future__ import annotations

from tipwatch.extract.context import Context
from tipwatch.extract.handles import handles_from_keywords, handles_from_urls
from tipwatch.extract.registry import IdentifierType, register
from tipwatch.model import Identifier


@register
class HandleType(IdentifierType):
    name = "handle"
    order = 2
    links = True
    label = "handle"
    stix_type = "user-account"

    def find(self, ctx: Context) -> list[Identifier]:
        # After the claiming types: only URLs that survived (not the domain part of an e-mail address).
        return handles_from_urls(ctx.urls, ctx) + handles_from_keywords(ctx)
