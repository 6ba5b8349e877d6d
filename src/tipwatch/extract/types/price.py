"""Prices and rates with their currency.
Attributes of a post: masked for template linking, never a link by themselves."""

from __future__ import annotations

from tipwatch.extract.context import Context
from tipwatch.extract.prices import find_prices
from tipwatch.extract.registry import IdentifierType, register
from tipwatch.model import Identifier


@register
class PriceType(IdentifierType):
    name = "price"
    order = 5
    label = "price"

    def find(self, ctx: Context) -> list[Identifier]:
        return find_prices(ctx)
