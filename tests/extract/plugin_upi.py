"""A new identifier type in one file: UPI payment addresses ("name@okaxis"), as an operator's payment handle.

Registering it is all it takes for ``extract()`` to find it and for linking to treat it as a shared identifier.
"""

from __future__ import annotations

import re

from tipwatch.extract.context import Context
from tipwatch.extract.registry import IdentifierType, register
from tipwatch.model import Identifier

_UPI = re.compile(r"\b([a-z0-9.\-_]{2,64})@(okaxis|oksbi|okhdfcbank|okicici|paytm|ybl|ibl|axl|upi)\b", re.IGNORECASE)


@register
class UpiType(IdentifierType):
    name = "upi"
    order = 1  # before e-mails would see "name@okaxis"... and claims its span so nothing else reads it
    claims = True
    links = True
    label = "UPI ID"
    # A payment address is one person's or one operation's, like a wallet: the same evidence priors.
    link_m = 0.9
    link_chance = 0.001

    def find(self, ctx: Context) -> list[Identifier]:
        return [
            Identifier("upi", m.group(0).lower(), m.start(), m.end(), 0.9)
            for m in _UPI.finditer(ctx.text)
            if not ctx.is_claimed(m.start(), m.end())
        ]
