"""extract(): every identifier and attribute of one text, with spans in the original text, sorted by start.

Order matters: URLs, e-mails and wallets claim their spans first, so the digits inside them are not read as phone
numbers; handles come from the URLs and from keyword forms; then phones, prices, ages and places.
A pure function of (text, region) plus read-only knowledge loaded once per process.
"""

from __future__ import annotations

from tipwatch.extract.ages import find_ages
from tipwatch.extract.context import Context
from tipwatch.extract.emails import find_emails
from tipwatch.extract.handles import handles_from_keywords, handles_from_urls
from tipwatch.extract.phones import find_phones
from tipwatch.extract.places import find_places
from tipwatch.extract.prices import find_prices
from tipwatch.extract.urls import find_urls, url_identifiers
from tipwatch.extract.wallets import find_wallets
from tipwatch.model import Identifier
from tipwatch.text.normalize import Normalized

_TYPE_ORDER = {"url": 0, "email": 1, "handle": 2, "wallet": 3, "phone": 4, "price": 5, "age": 6, "place": 7}


def extract(text: str, region: str = "IN", *, normalized: Normalized | None = None) -> list[Identifier]:
    """Find phones, e-mails, URLs, handles, wallets, prices, ages and places in ``text``.

    ``region`` (ISO 3166 alpha-2) is the default for phone numbers written without a country code and for the
    rupee; it never restricts which countries' numbers are found. ``normalized``: ``normalize(text)`` if the
    caller already has it (saves normalizing twice; ignored unless it was built from this very string).
    """
    if not text or not isinstance(text, str):
        return []
    ctx = Context(text, region, normalized)
    found: list[Identifier] = []
    urls = find_urls(ctx)
    found.extend(url_identifiers(urls))
    emails = find_emails(ctx)
    # A URL regex also sees the domain of an address ("gmail.com"): the address wins.
    if emails:
        found = [u for u in found if not any(e.start <= u.start and u.end <= e.end for e in emails)]
        urls = [u for u in urls if not any(e.start <= u.start and u.end <= e.end for e in emails)]
    found.extend(emails)
    wallets = find_wallets(ctx)
    found.extend(wallets)
    for ident in found:
        ctx.claim(ident.start, ident.end)
    found.extend(handles_from_urls(urls, ctx))
    found.extend(handles_from_keywords(ctx))
    found.extend(find_phones(ctx))
    found.extend(find_prices(ctx))
    found.extend(find_ages(ctx))
    found.extend(find_places(ctx))
    found.sort(key=lambda i: (i.start, i.end, _TYPE_ORDER.get(i.type, 9), i.value))
    return found
