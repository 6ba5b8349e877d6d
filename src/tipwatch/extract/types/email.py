"""E-mail addresses, lower-cased; "(at)" and "[dot]" forms too."""

from __future__ import annotations

from tipwatch.extract.context import Context
from tipwatch.extract.emails import find_emails
from tipwatch.extract.registry import IdentifierType, register
from tipwatch.model import Identifier


@register
class EmailType(IdentifierType):
    name = "email"
    order = 1
    claims = True
    links = True
    label = "e-mail"
    ftm_property = "email"
    stix_type = "email-addr"

    def find(self, ctx: Context) -> list[Identifier]:
        return find_emails(ctx)
