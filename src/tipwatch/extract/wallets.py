"""Cryptocurrency wallet addresses, accepted only when their checksum holds.

* BTC legacy (P2PKH "1...", P2SH "3..."): Base58Check (``base58``), version byte 0x00 or 0x05, 20-byte payload.
* BTC SegWit ("bc1..."): Bech32 / Bech32m per BIP-173 / BIP-350 (``bech32m``, the reference implementation).
* ETH ("0x" + 40 hex): a mixed-case address must pass its EIP-55 checksum (Keccak-256 from ``pycryptodome``);
  an all-lower or all-upper one carries no checksum and is kept with a lower confidence. The value is always the
  EIP-55 form, so the same address written in two cases links.
"""

from __future__ import annotations

import re

import base58
import bech32m

from tipwatch.extract.context import Context
from tipwatch.model import Identifier

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# Each pattern starts with a plain character (the "not inside a longer word" lookbehind comes after it), so the
# regex engine can skip ahead to candidate characters instead of trying every position.
_BTC_LEGACY = re.compile(rf"[13](?<![0-9A-Za-z][13])[{_B58}]{{25,34}}(?![0-9A-Za-z])")
_BTC_BECH32 = re.compile(
    r"[bB](?<![0-9A-Za-z][bB])(?:c1[02-9ac-hj-np-z]{8,87}|C1[02-9AC-HJ-NP-Z]{8,87})(?![0-9A-Za-z])"
)
_ETH = re.compile(r"0(?<![0-9A-Za-z]0)[xX][0-9a-fA-F]{40}(?![0-9A-Za-z])")


def eip55(address_hex: str) -> str:
    """The EIP-55 mixed-case checksum form of a 40-hex-digit address (without or with "0x")."""
    hex40 = address_hex[2:] if address_hex[:2].lower() == "0x" else address_hex
    lower = hex40.lower()
    # Imported here: pycryptodome loads cffi and pycparser (~0.3-0.8 s), and most runs see no Ethereum address.
    from Crypto.Hash import keccak

    digest = keccak.new(digest_bits=256, data=lower.encode("ascii")).hexdigest()
    return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(lower))


def btc_legacy_kind(address: str) -> str | None:
    """ "p2pkh" / "p2sh" when ``address`` is a valid Base58Check Bitcoin mainnet address, else None."""
    try:
        raw = base58.b58decode_check(address)
    except ValueError:
        return None
    if len(raw) != 21:
        return None
    return {0x00: "p2pkh", 0x05: "p2sh"}.get(raw[0])


def btc_segwit_version(address: str) -> int | None:
    """The witness version of a valid Bech32/Bech32m mainnet address, else None."""
    try:
        decoded = bech32m.decode("bc", address.lower())
    except (bech32m.DecodeError, ValueError, IndexError):
        return None
    return int(decoded.witver)


def find_wallets(ctx: Context) -> list[Identifier]:
    text = ctx.text
    out: list[Identifier] = []
    if "0x" in text or "0X" in text:
        for m in _ETH.finditer(text):
            raw = "0x" + m.group()[2:]
            body = raw[2:]
            checksummed = eip55(raw)
            mixed = body != body.lower() and body != body.upper()
            if mixed and raw != checksummed:
                continue  # a mixed-case address with a wrong checksum is a typo or a fake
            out.append(
                Identifier(
                    "wallet",
                    checksummed,
                    m.start(),
                    m.end(),
                    1.0 if mixed else 0.9,
                    attrs={"chain": "ETH", "checksum": "eip55" if mixed else "none"},
                )
            )
    if "bc1" in text or "BC1" in text:
        for m in _BTC_BECH32.finditer(text):
            version = btc_segwit_version(m.group())
            if version is None:
                continue
            kind = "p2tr" if version == 1 else f"segwit_v{version}"
            out.append(
                Identifier("wallet", m.group().lower(), m.start(), m.end(), 1.0, attrs={"chain": "BTC", "kind": kind})
            )
    for m in _BTC_LEGACY.finditer(text):
        legacy = btc_legacy_kind(m.group())
        if legacy is None:
            continue
        out.append(Identifier("wallet", m.group(), m.start(), m.end(), 1.0, attrs={"chain": "BTC", "kind": legacy}))
    return out
