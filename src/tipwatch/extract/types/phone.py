"""Phone numbers in E.164, disguised forms included (spelled-out digits, look-alike letters, separators)."""

from __future__ import annotations

from tipwatch.extract.context import Context
from tipwatch.extract.phones import find_phones
from tipwatch.extract.registry import IdentifierType, register
from tipwatch.model import Identifier


@register
class PhoneType(IdentifierType):
    name = "phone"
    order = 4
    links = True
    label = "phone"
    ftm_property = "phone"

    def find(self, ctx: Context) -> list[Identifier]:
        return find_phones(ctx)
