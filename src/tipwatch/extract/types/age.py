"""Stated ages (a lead for possible minors, never proof).
Attributes of a post: masked for template linking, never a link by themselves."""

from __future__ import annotations

from tipwatch.extract.ages import find_ages
from tipwatch.extract.context import Context
from tipwatch.extract.registry import IdentifierType, register
from tipwatch.model import Identifier


@register
class AgeType(IdentifierType):
    name = "age"
    order = 6
    label = "age"

    def find(self, ctx: Context) -> list[Identifier]:
        return find_ages(ctx)
