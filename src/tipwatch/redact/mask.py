"""Masking one value or one text for a redacted export (tipwatch.redact).

A value keeps just enough to tell masked values apart in a reading and to recognise the kind and country; never
enough to dial, mail or search for it: a phone keeps its country code, two leading and three trailing digits
(``+91 98xxx xx210``); an e-mail the first letter of its local part and of its domain, and the top-level domain
(``r***@e***.org``); a handle its platform and first letter; a wallet its first four characters; a URL its scheme,
the first letter of its host and the top-level domain. Prices, ages, places and picture hashes are kept.

In a text, the identifiers the extractor finds (and any value the caller knows, written as stored) are replaced by
their masks, and person names (redact/data/names.yaml) by ``[name]``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from functools import cache
from urllib.parse import urlsplit

import phonenumbers

from tipwatch.extract.core import extract
from tipwatch.extract.registry import linking_types
from tipwatch.text.data import load_yaml

NAME_MASK = "[name]"
# Words: letters, digits and the combining marks of the Indic scripts (Python's \w leaves out vowel signs, so a
# Devanagari or Bengali name would be cut into pieces).
_WORD = re.compile(r"(?:\w|[\u0900-\u0dff])+")


def _mask_phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
        code, national = f"+{number.country_code} ", phonenumbers.national_significant_number(number)
    except phonenumbers.NumberParseException:
        code, national = "", re.sub(r"\D", "", value)
    if len(national) < 6:
        return code + "x" * len(national)
    digits = national[:2] + "x" * (len(national) - 5) + national[-3:]
    return code + " ".join(digits[i : i + 5] for i in range(0, len(digits), 5))


def _first(part: str) -> str:
    return (part[:1] + "***") if part else "***"


def _mask_host(host: str) -> str:
    labels = host.split(".")
    return f"{_first(labels[0])}.{labels[-1]}" if len(labels) > 1 else _first(host)


def _mask_email(value: str) -> str:
    local, _, domain = value.rpartition("@")
    return f"{_first(local)}@{_mask_host(domain)}" if local else _first(value)


def _mask_url(value: str) -> str:
    try:
        parts = urlsplit(value if "//" in value else "//" + value)
    except ValueError:
        return "***"
    host = parts.hostname or ""
    scheme = f"{parts.scheme}://" if parts.scheme else ""
    return f"{scheme}{_mask_host(host)}/…" if host else "***"


def _mask_handle(value: str) -> str:
    platform, sep, name = value.partition(":")
    return f"{platform}:{_first(name.lstrip('@'))}" if sep else _first(value.lstrip("@"))


def mask_value(type_: str, value: str) -> str:
    """The masked form of one stored value of ``type_`` (types not listed in the module doc are kept)."""
    if type_ == "phone":
        return _mask_phone(value)
    if type_ == "email":
        return _mask_email(value)
    if type_ == "url":
        return _mask_url(value)
    if type_ == "handle":
        return _mask_handle(value)
    if type_ == "wallet":
        return value[:4] + "***"
    return value


@cache
def _names() -> frozenset[str]:
    data = load_yaml(__package__ + ".data", "names.yaml")
    found: set[str] = set()
    for locale in data["given_and_family_names"]["locales"]:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female", "last_names"):
            names = getattr(provider, attr, ())
            found.update(n.casefold() for n in names if n and " " not in n)
    keep = {str(w).casefold() for w in data["keep"]["words"]}
    words = load_yaml("tipwatch.text.data", "language_words.yaml")
    keep |= {str(w).casefold() for entry in words.values() for w in entry["words"]}
    return frozenset(found - keep)


def is_name(word: str) -> bool:
    return word.casefold() in _names()


def mask_text(text: str, known: Mapping[str, str] | None = None) -> str:
    """``text`` with its identifiers and person names masked. ``known``: values as stored -> their masks, replaced
    wherever they appear as written (a value the extractor would not find in this text, e.g. in a reason)."""
    if not text:
        return text
    masked_types = linking_types()
    out: list[str] = []
    at = 0
    for ident in extract(text):
        if ident.type not in masked_types or ident.start < at:
            continue
        out.append(text[at : ident.start])
        out.append(mask_value(ident.type, ident.value))
        at = ident.end
    out.append(text[at:])
    result = "".join(out)
    for value in sorted(known or {}, key=len, reverse=True):
        if value and value in result:
            result = result.replace(value, (known or {})[value])
    return _WORD.sub(lambda m: NAME_MASK if is_name(m.group()) else m.group(), result)
