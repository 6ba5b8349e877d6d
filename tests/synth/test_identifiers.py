"""Identifiers: valid phones in every disguise, checksummed wallets, obfuscated emails, and truth that matches text."""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import Any

import base58
import phonenumbers
import pytest
from Crypto.Hash import keccak

from tipwatch.synth import idents

Pairs = list[tuple[dict[str, Any], dict[str, Any]]]


def _e164(number: str, region: str = "IN") -> str:
    parsed = phonenumbers.parse(number, region)
    assert phonenumbers.is_valid_number(parsed), number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize("region", ["IN", "NP", "BD", "AE"])
def test_random_phones_are_valid_mobiles(region: str) -> None:
    rng = random.Random(region)
    numbers = {idents.random_phone(rng, region) for _ in range(300)}
    assert len(numbers) == 300  # random, not a small pool
    for national in numbers:
        parsed = phonenumbers.parse(idents.e164(region, national))
        assert phonenumbers.is_valid_number(parsed)
        assert phonenumbers.region_code_for_number(parsed) == region
        assert phonenumbers.number_type(parsed) in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )


@pytest.mark.parametrize("style", idents.PLAIN_STYLES + idents.OBFUSCATED_STYLES)
def test_every_disguise_round_trips_to_the_same_valid_number(style: str) -> None:
    rng = random.Random(style)
    for region in ("IN", "IN", "NP", "BD", "AE"):
        national = idents.random_phone(rng, region)
        written = idents.write_phone(rng, region, national, style)
        if style != "plain":
            assert national not in written  # the digits never appear as a plain run
        assert _e164(idents.deobfuscate_phone(written)) == idents.e164(region, national)


def test_disguises_look_like_their_family() -> None:
    rng = random.Random(1)
    national = "9876501234"
    assert re.fullmatch(r"\+?[०-९ ]+", idents.write_phone(rng, "IN", national, "digits_deva"))
    assert re.search(r"[০-৯]", idents.write_phone(rng, "IN", national, "digits_beng"))
    assert re.search(r"[０-９]", idents.write_phone(rng, "IN", national, "fullwidth"))
    assert "\u20e3" in idents.write_phone(rng, "IN", national, "keycap")
    assert re.search(r"[OolI]", idents.write_phone(rng, "IN", national, "lookalike"))
    words_bn = idents.write_phone(rng, "IN", national, "words_bn")
    assert re.fullmatch(r"(\+91 )?[\u0980-\u09FF ,-]+", words_bn)
    assert _e164(idents.deobfuscate_phone(words_bn)) == "+91" + national
    words_hi = idents.write_phone(rng, "IN", national, "words_hi_latn").lower()
    assert any(w in words_hi for w in ("nau", "nao", "no")) and "ek" in words_hi


def test_corpus_phones_are_valid_and_written_as_recorded(corpus: Pairs) -> None:
    styles: Counter[str] = Counter()
    for post, truth in corpus:
        text = post["title"] + "\n" + post["body"]
        for ident in truth["identifiers"]:
            assert ident["written"] in text, (ident, text)
            if ident["type"] != "phone":
                continue
            styles[ident["style"]] += 1
            assert phonenumbers.is_valid_number(phonenumbers.parse(ident["value"]))
            if ident["style"] == "wa_link":
                assert ident["value"].lstrip("+") in ident["written"]
            else:
                assert _e164(idents.deobfuscate_phone(ident["written"])) == ident["value"]
    obfuscated = [s for s in styles if s in idents.OBFUSCATED_STYLES]
    assert len(obfuscated) >= 10

    # Indicative posts disguise more often than benign ones.
    def rate(label: int) -> float:
        phones = [i for _, t in corpus if t["label"] == label for i in t["identifiers"] if i["type"] == "phone"]
        return sum(i["style"] in idents.OBFUSCATED_STYLES for i in phones) / len(phones)

    assert rate(1) > 0.35 > 0.1 > rate(0)


def test_eip55_matches_the_specification_vectors() -> None:
    for address in (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ):
        assert idents.eip55(address[2:].lower()) == address
        assert idents.eth_is_valid(address)
    assert not idents.eth_is_valid("0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed")


def test_wallets_pass_their_checksums(corpus: Pairs) -> None:
    rng = random.Random(5)
    wallets = [idents.random_btc(rng) for _ in range(50)] + [idents.random_eth(rng) for _ in range(50)]
    planted = [i["value"] for _, t in corpus for i in t["identifiers"] if i["type"] == "wallet"]
    assert planted  # occasional, but present in a corpus of this size
    wallets += planted
    for w in wallets:
        if w.startswith("0x"):
            digest = keccak.new(digest_bits=256, data=w[2:].lower().encode()).hexdigest()
            assert all(ch.isupper() == (int(digest[i], 16) >= 8) for i, ch in enumerate(w[2:]) if ch.isalpha()), w
        else:
            raw = base58.b58decode_check(w)  # raises on a bad checksum
            assert len(raw) == 21 and raw[0] in (0, 5)
            assert idents.btc_is_valid(w)
    assert not idents.btc_is_valid(wallets[0][:-1] + ("1" if wallets[0][-1] != "1" else "2"))


def test_emails_and_handles(corpus: Pairs) -> None:
    emails = [i for _, t in corpus for i in t["identifiers"] if i["type"] == "email"]
    assert {i["style"] for i in emails} >= {"plain", "at_dot_paren"}
    for ident in emails:
        assert ident["value"] == ident["value"].lower()
        assert re.search(r"@[a-z0-9.-]+\.(example|test|com|org|net)$", ident["value"])
        domain = ident["value"].split("@")[1]
        assert domain.endswith((".example", ".test")) or domain in ("example.com", "example.org", "example.net")
        undone = (
            ident["written"]
            .lower()
            .replace(" (at) ", "@")
            .replace(" [dot] ", ".")
            .replace("[at]", "@")
            .replace(" at ", "@")
            .replace(" dot ", ".")
            .replace(" @ ", "@")
            .replace(" . ", ".")
        )
        assert undone == ident["value"]
    handles = Counter(i["value"].split(":")[0] for _, t in corpus for i in t["identifiers"] if i["type"] == "handle")
    assert set(handles) >= {"instagram", "telegram", "whatsapp"}
    for _, truth in corpus:
        for ident in truth["identifiers"]:
            if ident["type"] == "handle" and not ident["value"].startswith("whatsapp:"):
                assert re.fullmatch(r"[a-z]+:[a-z][a-z0-9_]{4,}", ident["value"]), ident
