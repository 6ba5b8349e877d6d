"""Prices, ages and places."""

from __future__ import annotations

from typing import Any

import pytest

from tipwatch.extract import extract


def first(text: str, kind: str, region: str = "IN") -> Any:
    found = [i for i in extract(text, region) if i.type == kind]
    assert found, f"no {kind} in {text!r}"
    return found[0]


def none_of(text: str, kind: str) -> bool:
    return not any(i.type == kind for i in extract(text))


@pytest.mark.parametrize(
    ("text", "value", "amount", "currency", "unit"),
    [
        ("Rates Rs 3000/hr", "3000 INR/hour", 3000.0, "INR", "hour"),
        ("Rates Rs. 3,500 per hour", "3500 INR/hour", 3500.0, "INR", "hour"),
        ("Rates ₹3,500/hr 💋🔥", "3500 INR/hour", 3500.0, "INR", "hour"),
        ("💋💋₹💋5000💋", "5000 INR", 5000.0, "INR", None),
        ("only 5000/- full night", "5000 INR/night", 5000.0, "INR", "night"),
        ("8000 full night", "8000 INR/night", 8000.0, "INR", "night"),
        ("INR 2500 per session", "2500 INR/session", 2500.0, "INR", "session"),
        ("3000 rupees per shot", "3000 INR/shot", 3000.0, "INR", "shot"),
        ("रेट ३००० रुपये प्रति घंटा", "3000 INR/hour", 3000.0, "INR", "hour"),
        ("salary 25k per month", "25000 INR/month", 25000.0, "INR", "month"),
        ("salary 1.5 lakh per month", "150000 INR/month", 150000.0, "INR", "month"),
        ("$200 per hour", "200 USD/hour", 200.0, "USD", "hour"),
        ("150 USD/hr", "150 USD/hour", 150.0, "USD", "hour"),
        ("2000 AED per month", "2000 AED/month", 2000.0, "AED", "month"),
    ],
)
def test_prices(text: str, value: str, amount: float, currency: str, unit: str | None) -> None:
    p = first(text, "price")
    assert p.value == value
    assert p.attrs["amount"] == amount
    assert p.attrs["currency"] == currency
    assert p.attrs["unit"] == unit


def test_roses_code() -> None:
    p = first("150 roses/hr, 300 🌹 full night", "price")
    assert p.value == "150 roses/hour"
    assert p.attrs["code"] == "roses" and p.attrs["currency"] is None
    assert p.obfuscated
    emoji = [i for i in extract("300🌹 full night") if i.type == "price"]
    assert [i.value for i in emoji] == ["300 roses/night"]


def test_taka_by_context() -> None:
    assert first("রেট ৩০০০ টাকা", "price").attrs["currency"] == "INR"  # West Bengal: taka = rupees
    assert first("ঢাকা, রেট ৩০০০ টাকা", "price").attrs["currency"] == "BDT"
    assert first("রেট ৩০০০ টাকা", "price", region="BD").attrs["currency"] == "BDT"
    assert first("rate 3000 tk", "price").attrs["currency"] == "BDT"


def test_rupee_follows_region() -> None:
    assert first("Rs 3000", "price", region="PK").attrs["currency"] == "PKR"


@pytest.mark.parametrize("text", ["2 hours", "24/7 available", "2 nights in Goa", "age 19 yrs", "call 9845012345"])
def test_not_prices(text: str) -> None:
    assert none_of(text, "price")


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("19 yrs", 19),
        ("19yrs old", 19),
        ("age 19", 19),
        ("Age: 21, slim", 21),
        ("aged 24", 24),
        ("I am 22 years old", 22),
        ("19 saal ki ladki", 19),
        ("umar 20", 20),
        ("उम्र 19", 19),
        ("उम्र १९ साल", 19),
        ("১৯ বছর", 19),
        ("বয়স ২০", 20),
        ("just turned 18", 18),
        ("16 y/o", 16),
    ],
)
def test_ages(text: str, years: int) -> None:
    a = first(text, "age")
    assert a.value == str(years)
    assert a.attrs["years"] == years


@pytest.mark.parametrize(
    "text",
    ["5 years experience", "10 years of experience", "working for 10 years", "3 years ago", "2 year contract", "5'4"],
)
def test_not_ages(text: str) -> None:
    assert none_of(text, "age")


@pytest.mark.parametrize(
    ("text", "name", "country"),
    [
        ("escorts in Mumbai", "Mumbai", "IN"),
        ("call girls in delhi", "Delhi", "IN"),
        ("new in Bombay", "Mumbai", "IN"),
        ("Calcutta", "Kolkata", "IN"),
        ("in Gurgaon sector 29", "Gurugram", "IN"),
        ("Bangalore or Bengaluru", "Bengaluru", "IN"),
        ("मुंबई में", "Mumbai", "IN"),
        ("দিল্লি", "Delhi", "IN"),
        ("ঢাকা শহরে", "Dhaka", "BD"),
        ("jobs in Dubai", "Dubai", "AE"),
        ("from Nepal", "Nepal", "NP"),
        ("work in UAE", "United Arab Emirates", "AE"),
        ("Kathmandu", "Kathmandu", "NP"),
    ],
)
def test_places(text: str, name: str, country: str) -> None:
    p = first(text, "place")
    assert p.value == name
    assert p.attrs["country"] == country
    assert text[p.start : p.end].casefold() in text.casefold()


def test_longest_place_name_wins() -> None:
    found = [i for i in extract("in Navi Mumbai today") if i.type == "place"]
    assert [i.value for i in found] == ["Navi Mumbai"]


@pytest.mark.parametrize(
    "text",
    [
        "call karo abhi",  # Karo is a town; "karo" is Hinglish for "do"
        "chala gaya",  # Gaya: ambiguous, lower case is the verb
        "a male escort",  # Malé
        "more than that",
        "hotel along the road",
        "mango juice",
    ],
)
def test_common_words_are_not_places(text: str) -> None:
    assert none_of(text, "place")


def test_ambiguous_name_needs_capital_and_gets_low_confidence() -> None:
    p = first("visit Gaya and Bali", "place")
    assert p.value == "Gaya" and p.confidence < 0.5
