"""extract(): every identifier and attribute of one text, with spans in the original text, sorted by start.

The types come from the registry (extract/registry.py, built-ins in extract/types/). Order matters: the types that
claim their spans (URLs, e-mails, wallets) go first, so the digits inside them are not read as phone numbers, and an
identifier inside the span of a type it yields to is dropped (the e-mail address wins over the domain a URL pattern
sees in it); then the other types in their order (handles from the surviving URLs and from keyword forms, phones,
prices, ages, places). A pure function of (text, region) plus read-only knowledge loaded once per process.
"""

from __future__ import annotations

from tipwatch.extract.context import Context
from tipwatch.extract.registry import identifier_types
from tipwatch.model import Identifier
from tipwatch.text.normalize import Normalized


def _inside(ident: Identifier, spans: list[tuple[int, int]]) -> bool:
    return any(s <= ident.start and ident.end <= e for s, e in spans)


def extract(text: str, region: str = "IN", *, normalized: Normalized | None = None) -> list[Identifier]:
    """Find every registered identifier type (phones, e-mails, URLs, handles, wallets, prices, ages, places...).

    ``region`` (ISO 3166 alpha-2) is the default for phone numbers written without a country code and for the
    rupee; it never restricts which countries' numbers are found. ``normalized``: ``normalize(text)`` if the
    caller already has it (saves normalizing twice; ignored unless it was built from this very string).
    """
    if not text or not isinstance(text, str):
        return []
    ctx = Context(text, region, normalized)
    types = identifier_types()
    order = {t.name: t.order for t in types}
    claiming = [t for t in types if t.claims]
    found: list[Identifier] = []
    for itype in claiming:
        found.extend(itype.find(ctx))
    for itype in claiming:
        if itype.yields_to:
            winners = [(i.start, i.end) for i in found if i.type in itype.yields_to]
            if winners:
                found = [i for i in found if i.type != itype.name or not _inside(i, winners)]
                itype.yielded(ctx, winners)
    for ident in found:
        ctx.claim(ident.start, ident.end)
    for itype in types:
        if not itype.claims:
            found.extend(itype.find(ctx))
    found.sort(key=lambda i: (i.start, i.end, order.get(i.type, len(order)), i.value))
    return found
