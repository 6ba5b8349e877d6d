"""Places from the gazetteer (cities, districts, aliases).
Attributes of a post: masked for template linking, never a link by themselves."""

from __future__ import annotations

from tipwatch.extract.context import Context
from tipwatch.extract.places import find_places
from tipwatch.extract.registry import IdentifierType, register
from tipwatch.model import Identifier


@register
class PlaceType(IdentifierType):
    name = "place"
    order = 7
    label = "place"

    def find(self, ctx: Context) -> list[Identifier]:
        return find_places(ctx)
