"""Wallet addresses: valid checksums are wallets, broken ones are not. Addresses are generated here from random
bytes with the encoders of the same libraries, plus the published test vectors of BIP-173 and EIP-55."""

from __future__ import annotations

import hashlib
import random

import base58
import bech32m
import pytest

from tipwatch.extract import extract
from tipwatch.extract.wallets import eip55


def wallets(text: str) -> list[str]:
    return [i.value for i in extract(text) if i.type == "wallet"]


def _legacy(version: int, payload: bytes) -> str:
    return base58.b58encode_check(bytes([version]) + payload).decode()


def _flip(addr: str, alphabet: str) -> str:
    """Change one character (not the first) to another of the same alphabet: the checksum breaks."""
    i = len(addr) // 2
    repl = next(c for c in alphabet if c != addr[i])
    return addr[:i] + repl + addr[i + 1 :]


@pytest.mark.parametrize("seed", range(5))
def test_btc_legacy_generated(seed: int) -> None:
    rng = random.Random(seed)
    payload = hashlib.new("sha256", rng.randbytes(32)).digest()[:20]
    for version, kind in ((0x00, "p2pkh"), (0x05, "p2sh")):
        addr = _legacy(version, payload)
        found = [i for i in extract(f"send BTC to {addr} now") if i.type == "wallet"]
        assert [(i.value, i.attrs["kind"]) for i in found] == [(addr, kind)]
        broken = _flip(addr, "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
        assert wallets(f"send BTC to {broken} now") == []


def test_btc_wrong_version_byte_is_not_a_mainnet_address() -> None:
    addr = _legacy(0x6F, bytes(range(20)))  # testnet P2PKH version
    assert wallets(addr) == []


@pytest.mark.parametrize("seed", range(5))
def test_btc_segwit_generated(seed: int) -> None:
    rng = random.Random(seed)
    for witver, size in ((0, 20), (0, 32), (1, 32)):
        addr = bech32m.encode("bc", witver, rng.randbytes(size))
        assert wallets(f"pay {addr}.") == [addr]
        assert wallets(f"pay {addr.upper()}.") == [addr]  # all-caps form is valid too
        broken = _flip(addr, "qpzry9x8gf2tvdw0s3jn54khce6mua7l")
        assert wallets(f"pay {broken}.") == []


def test_bip173_vectors() -> None:
    # BIP-173 "Test vectors": the valid mainnet P2WPKH for scriptPubKey 0014751e76e8...3bd6, then a changed
    # character, then mixed case (invalid in Bech32).
    assert wallets("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4") == ["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"]
    program = bech32m.decode("bc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4").witprog
    assert bytes(program).hex() == "751e76e8199196d454941c45d1b3a323f1433bd6"
    assert wallets("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5") == []
    assert wallets("bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4") == []


# EIP-55 specification test cases (all caps, all lower, normal).
_EIP55 = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("addr", _EIP55)
def test_eip55_vectors(addr: str) -> None:
    body = addr[2:]
    if body not in (body.lower(), body.upper()):
        assert eip55(addr) == addr
    found = [i for i in extract(f"eth {addr}") if i.type == "wallet"]
    assert [i.value for i in found] == [eip55(addr)]
    assert found[0].attrs["chain"] == "ETH"


def test_eth_bad_checksum_is_not_a_wallet() -> None:
    good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    bad = good[:5] + good[5].swapcase() + good[6:]
    assert wallets(f"eth {bad}") == []


def test_eth_same_address_in_any_case_has_one_value() -> None:
    addr = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert wallets(addr.lower()) == wallets(addr) == [addr]


def test_random_base58_strings_are_not_wallets() -> None:
    rng = random.Random(3)
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    for _ in range(50):
        fake = "1" + "".join(rng.choice(alphabet) for _ in range(33))
        assert wallets(fake) == []
