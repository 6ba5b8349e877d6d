"""Fictional identifiers and the many ways posters write them.

Phones are random but valid: candidates are drawn and kept only when they match the mobile pattern of
``phonenumbers``' own metadata for the region (every such number passes ``is_valid_number``; tests check this).
Wallets are valid too: BTC base58check (version byte + 20 random bytes + checksum), ETH with the EIP-55 checksum.
The writers are pure functions of a ``random.Random`` and the value; :func:`deobfuscate_phone` inverts the phone
writers (generator-side knowledge only, used by tests and by anyone checking the ground truth).
"""

from __future__ import annotations

import hashlib
import random
import re
from functools import cache

import base58
import phonenumbers
from Crypto.Hash import keccak

from tipwatch.synth.knowledge import knowledge
from tipwatch.synth.rand import between, pick

COUNTRY_CODES: dict[str, str] = {"IN": "91", "NP": "977", "BD": "880", "AE": "971"}
# Random national numbers are drawn in these ranges, then filtered by the region's mobile pattern.
_RANGES: dict[str, tuple[int, int]] = {
    "IN": (6_000_000_000, 9_999_999_999),
    "NP": (9_600_000_000, 9_899_999_999),
    "BD": (1_300_000_000, 1_999_999_999),
    "AE": (500_000_000, 589_999_999),
}


@cache
def _mobile_pattern(region: str) -> re.Pattern[str]:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.mobile is None or meta.mobile.national_number_pattern is None:
        raise ValueError(f"no mobile metadata for {region}")
    return re.compile(meta.mobile.national_number_pattern)


def random_phone(rng: random.Random, region: str = "IN") -> str:
    """A random valid mobile number of the region as its national significant number (digits only)."""
    lo, hi = _RANGES[region]
    pattern = _mobile_pattern(region)
    while True:
        national = str(between(rng, lo, hi))
        if pattern.fullmatch(national):
            return national


def e164(region: str, national: str) -> str:
    return f"+{COUNTRY_CODES[region]}{national}"


# --- phone writing styles ---------------------------------------------------------------------------------------------
PLAIN_STYLES: tuple[str, ...] = ("plain",)
OBFUSCATED_STYLES: tuple[str, ...] = (
    "spaced",
    "dotted",
    "dashed",
    "words_en",
    "words_hi_latn",
    "words_hi",
    "words_bn",
    "words_ne",
    "digits_deva",
    "digits_beng",
    "fullwidth",
    "lookalike",
    "emoji_sep",
    "keycap",
    "mixed_words",
    "mixed_tokens",
)
_WORD_LANG = {
    "words_en": "en",
    "words_hi_latn": "hi-Latn",
    "words_hi": "hi",
    "words_bn": "bn",
    "words_ne": "ne",
}
_SCRIPT = {"digits_deva": "deva", "digits_beng": "beng", "fullwidth": "fullwidth"}
_KEYCAP = "\ufe0f\u20e3"


@cache
def _digit_words() -> dict[str, tuple[tuple[str, ...], ...]]:
    words = knowledge().numbers["words"]
    return {lang: tuple(tuple(w.split("|")) for w in entries) for lang, entries in words.items()}


@cache
def _scripts() -> dict[str, dict[str, str]]:
    return {
        name: {str(i): ch for i, ch in enumerate(digits)} for name, digits in knowledge().numbers["scripts"].items()
    }


def _spell(rng: random.Random, spellings: tuple[str, ...]) -> str:
    """The usual spelling most of the time, a variant now and then."""
    return spellings[0] if rng.random() < 0.6 else pick(rng, spellings)


def _group(national: str, rng: random.Random) -> list[str]:
    """Split digits the way people do: 5+5, 4+3+3, 3+3+4 or all together."""
    n = len(national)
    cuts: tuple[tuple[int, ...], ...] = ((5,), (4, 7), (3, 6), ()) if n == 10 else ((3,), (2, 5), ())
    cut = pick(rng, cuts)
    out, prev = [], 0
    for c in cut:
        out.append(national[prev:c])
        prev = c
    out.append(national[prev:])
    return out


def write_phone(rng: random.Random, region: str, national: str, style: str) -> str:
    """Write a phone number in one style. Non-Indian numbers always carry their country code."""
    cc = COUNTRY_CODES[region]
    if style == "plain":
        groups = _group(national, rng)
        sep = pick(rng, (" ", "-", " ", ""))
        body = sep.join(groups)
        if region == "IN":
            prefix = pick(rng, ("", "", "+91 ", "+91-", "0", "+91"))
        else:
            prefix = pick(rng, (f"+{cc} ", f"+{cc}-", f"00{cc} "))
        return prefix + body
    prefix = "" if region == "IN" and rng.random() < 0.7 else f"+{cc} "
    if style in ("spaced", "dotted", "dashed"):
        sep = {"spaced": " ", "dotted": ".", "dashed": "-"}[style]
        return prefix + sep.join(national)
    if style in _WORD_LANG:
        table = _digit_words()[_WORD_LANG[style]]
        sep = pick(rng, (" ", " ", "-", ", "))
        return prefix + sep.join(_spell(rng, table[int(d)]) for d in national)
    if style in _SCRIPT:
        digits = _scripts()[_SCRIPT[style]]
        conv = "".join(digits[d] for d in national)
        if rng.random() < 0.5:
            conv = conv[:5] + " " + conv[5:]
        return "".join(digits.get(ch, ch) for ch in prefix) + conv
    if style == "lookalike":
        look = knowledge().numbers["lookalike"]
        spots = [i for i, d in enumerate(national) if d in look]
        if not spots:  # nothing to disguise: still split it up
            return prefix + " ".join(national)
        keep = set(spots[1:]) if rng.random() < 0.5 else set()  # always at least one letter, often all
        return prefix + "".join(
            pick(rng, look[d]) if d in look and i not in keep else d for i, d in enumerate(national)
        )
    if style == "emoji_sep":
        seps = knowledge().numbers["separators"]
        s = pick(rng, seps)
        step = pick(rng, (1, 2, 3))
        chunks = [national[i : i + step] for i in range(0, len(national), step)]
        return prefix + s.join(chunks)
    if style == "keycap":
        return prefix + "".join(d + _KEYCAP for d in national)
    if style == "mixed_words":
        # Some digits as words, the rest as digits: "98 seven six 54 three 210".
        lang = pick(rng, ("en", "en", "hi-Latn"))
        table = _digit_words()[lang]
        pieces = []
        for d in national:
            pieces.append(_spell(rng, table[int(d)]) if rng.random() < 0.5 else d)
        return prefix + " ".join(pieces)
    if style == "mixed_tokens":
        # Digits and English words glued into a few tokens, as in real ads: "nine4684six0588", "773$2four0$1317".
        table = _digit_words()["en"]
        glued = "".join(table[int(d)][0] if rng.random() < 0.4 else d for d in national)
        if rng.random() < 0.5:
            return prefix + glued
        # break it into three chunks at digit/word boundaries with an odd separator
        sep = pick(rng, ("$", "|", " ", "*"))
        cut = sorted(rng.sample(range(1, len(national)), 2))
        chunks = [national[: cut[0]], national[cut[0] : cut[1]], national[cut[1] :]]
        return prefix + sep.join(
            "".join(table[int(d)][0] if rng.random() < 0.4 else d for d in chunk) for chunk in chunks
        )
    raise ValueError(f"unknown phone style {style}")


@cache
def _word_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    lookup: dict[str, str] = {}
    for table in _digit_words().values():
        for digit, spellings in enumerate(table):
            for s in spellings:
                lookup[s.casefold()] = str(digit)
    alternation = "|".join(re.escape(w) for w in sorted(lookup, key=len, reverse=True))
    return re.compile(alternation, re.IGNORECASE), lookup


@cache
def _char_map() -> dict[int, str]:
    out: dict[int, str] = {}
    for digits in knowledge().numbers["scripts"].values():
        for i, ch in enumerate(digits):
            out[ord(ch)] = str(i)
    for digit, letters in knowledge().numbers["lookalike"].items():
        for letter in letters:
            out[ord(letter)] = digit
    return out


def deobfuscate_phone(written: str) -> str:
    """Invert :func:`write_phone`: the digits (with a leading ``+`` if written) of any style this module writes."""
    pattern, lookup = _word_pattern()
    text = pattern.sub(lambda m: lookup[m.group(0).casefold()], written)
    text = text.translate(_char_map())
    plus = "+" if text.lstrip().startswith("+") else ""
    return plus + "".join(ch for ch in text if "0" <= ch <= "9")


# --- emails and handles -----------------------------------------------------------------------------------------------
def random_local(rng: random.Random, base: str) -> str:
    words = knowledge().names["handle_words"]
    sep = pick(rng, (".", "_", "", "."))
    tail = str(between(rng, 1, 9999)) if rng.random() < 0.75 else pick(rng, words)
    return f"{base.lower()}{sep}{pick(rng, words)}{sep}{tail}"


def random_email(rng: random.Random, base: str) -> str:
    return f"{random_local(rng, base)}@{pick(rng, knowledge().names['email_domains'])}"


EMAIL_STYLES: tuple[str, ...] = ("plain", "at_dot_paren", "at_dot_words", "at_bracket", "spaced")


def write_email(rng: random.Random, email: str, style: str) -> str:
    local, _, domain = email.partition("@")
    host, _, tld = domain.rpartition(".")
    if style == "plain":
        return email if rng.random() < 0.8 else email.upper() if rng.random() < 0.2 else email.capitalize()
    if style == "at_dot_paren":
        return f"{local} (at) {host} [dot] {tld}"
    if style == "at_dot_words":
        return f"{local} at {host} dot {tld}"
    if style == "at_bracket":
        return f"{local}[at]{domain}"
    if style == "spaced":
        return f"{local} @ {host} . {tld}"
    raise ValueError(f"unknown email style {style}")


def random_handle(rng: random.Random, base: str, *, job: bool = False) -> str:
    """A handle valid on Instagram, Telegram and Snapchat alike: a letter first, then letters, digits, ``_``."""
    words = knowledge().names["handle_words_job" if job else "handle_words"]
    a, b = pick(rng, words), pick(rng, words)
    shape = int(rng.random() * 4)
    if shape == 0:
        h = f"{base}_{a}{between(rng, 1, 999)}"
    elif shape == 1:
        h = f"{a}_{base}_{b}"
    elif shape == 2:
        h = f"{base}{a}{between(rng, 10, 99)}"
    else:
        h = f"{a}{b}_{between(rng, 100, 9999)}"
    h = re.sub(r"[^A-Za-z0-9_]", "", h).lower()
    return h if len(h) >= 5 else h + "_" + str(between(rng, 100, 999))


def write_handle(rng: random.Random, platform: str, handle: str) -> str:
    forms: tuple[str, ...]
    if platform == "instagram":
        forms = ("IG: @{h}", "insta @{h}", "instagram.com/{h}", "📸 {h}", "Insta id - {h}", "@{h} on insta")
    elif platform == "telegram":
        forms = ("t.me/{h}", "https://t.me/{h}", "Telegram @{h}", "TG: @{h}", "telegram - {h}")
    elif platform == "snapchat":
        forms = ("snap: {h}", "SC @{h}", "👻 {h}", "snapchat - {h}")
    else:
        raise ValueError(platform)
    return pick(rng, forms).format(h=handle)


def write_wa_link(rng: random.Random, region: str, national: str) -> str:
    digits = COUNTRY_CODES[region] + national
    return pick(rng, ("wa.me/{d}", "https://wa.me/{d}", "WhatsApp: wa.me/{d}")).format(d=digits)


# --- crypto wallets ---------------------------------------------------------------------------------------------------
def random_btc(rng: random.Random) -> str:
    """A valid legacy BTC address: P2PKH (``1...``) or P2SH (``3...``), base58check."""
    version = b"\x00" if rng.random() < 0.7 else b"\x05"
    return base58.b58encode_check(version + rng.randbytes(20)).decode("ascii")


def btc_is_valid(address: str) -> bool:
    try:
        raw = base58.b58decode_check(address)
    except ValueError:
        return False
    return len(raw) == 21 and raw[0] in (0, 5)


def eip55(hex40: str) -> str:
    """Apply the EIP-55 mixed-case checksum to 40 hex digits."""
    lower = hex40.lower()
    digest = keccak.new(digest_bits=256, data=lower.encode("ascii")).hexdigest()
    return "0x" + "".join(ch.upper() if ch.isalpha() and int(digest[i], 16) >= 8 else ch for i, ch in enumerate(lower))


def random_eth(rng: random.Random) -> str:
    return eip55(rng.randbytes(20).hex())


def eth_is_valid(address: str) -> bool:
    return bool(re.fullmatch(r"0x[0-9a-fA-F]{40}", address)) and eip55(address[2:]) == address


def opaque_name(seed: int, *parts: object) -> str:
    """A stable opaque file name: nothing in it tells which network or base image it belongs to."""
    key = "/".join(str(p) for p in (seed, *parts)).encode("utf-8")
    return hashlib.blake2b(key, digest_size=8).hexdigest() + ".jpg"
