"""Phone numbers: plain formats of the region, international numbers, every obfuscation family, and the numbers
that must never come out as phones (prices, dates, times, ages, PIN codes, order numbers, years, heights)."""

from __future__ import annotations

import pytest

from tipwatch.extract import extract
from tipwatch.model import Identifier


def phones(text: str, region: str = "IN") -> list[Identifier]:
    return [i for i in extract(text, region) if i.type == "phone"]


def values(text: str, region: str = "IN") -> list[str]:
    return [i.value for i in phones(text, region)]


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("Call 9845012345 now", "+919845012345"),
        ("Call 98450 12345 now", "+919845012345"),
        ("Call 98450-12345", "+919845012345"),
        ("Call +91 98450 12345", "+919845012345"),
        ("Call +91-9845012345", "+919845012345"),
        ("Call 0091 98450 12345", "+919845012345"),
        ("Call 09845012345", "+919845012345"),
        ("Call 919845012345", "+919845012345"),
        ("Office 022 2345 6789", "+912223456789"),  # Mumbai landline with STD code
        ("Office (080) 2345-6789", "+918023456789"),  # Bengaluru landline
        ("Dubai +971 50 123 4567", "+971501234567"),
        ("Nepal +977 9841234567", "+9779841234567"),
        ("Dhaka +880 1712-345678", "+8801712345678"),
        ("London +44 7911 123456", "+447911123456"),
        ("US +1 202 555 0123", "+12025550123"),
    ],
)
def test_plain_formats(text: str, e164: str) -> None:
    (p,) = phones(text)
    assert p.value == e164
    assert not p.obfuscated
    # The span covers the number as written, and re-extracting that substring gives the same value.
    assert values(text[p.start : p.end]) == [e164]


def test_default_region_is_configurable() -> None:
    assert values("call 020 7946 0958", region="GB") == ["+442079460958"]
    assert values("call 01712-345678", region="BD") == ["+8801712345678"]


@pytest.mark.parametrize(
    "text",
    [
        "nine eight four five zero one two three four five",  # English words
        "nine eight four five oh one two three four five",  # "oh" for zero
        "नौ आठ चार पांच शून्य एक दो तीन चार पांच",  # Hindi, Devanagari
        "nau aath char paanch shunya ek do teen char paanch",  # Hindi, romanized
        "নয় আট চার পাঁচ শূন্য এক দুই তিন চার পাঁচ",  # Bengali
        "９８４５０１２３４５",  # fullwidth
        "𝟗𝟖𝟒𝟓𝟎𝟏𝟐𝟑𝟒𝟓",  # mathematical bold
        "9️⃣8️⃣4️⃣5️⃣0️⃣1️⃣2️⃣3️⃣4️⃣5️⃣",  # emoji keycaps
        "9845O12345",  # look-alike letters: O for 0
        "98450l2345",  # l for 1
        "98450I2345",  # I for 1
        "9 8 4 5 0 1 2 3 4 5",  # spacing trick
        "9 8 4 - 5 0 1 - 2 3 4 5",
        "98.45.01.23.45",  # dots
        "98_45_01_23_45",  # underscores
        "98🔥450💋123💕45",  # emoji as separators
        "9845 🌹🌹 012345",
    ],
)
def test_obfuscated_families(text: str) -> None:
    found = phones(f"call me {text} ok")
    assert len(found) == 1, found
    p = found[0]
    expected = "+919845012345"
    assert p.value == expected
    assert p.obfuscated
    assert p.confidence < 0.95
    raw = f"call me {text} ok"[p.start : p.end]
    assert values(raw) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "९८४५० १२३४५",  # Devanagari digits: ordinary Hindi writing, not a disguise
        "৯৮৪৫০ ১২৩৪৫",  # Bengali
        "੯੮੪੫੦ ੧੨੩੪੫",  # Gurmukhi
        "૯૮૪૫૦ ૧૨૩૪૫",  # Gujarati
        "௯௮௪௫௦ ௧௨௩௪௫",  # Tamil
        "౯౮౪౫౦ ౧౨౩౪౫",  # Telugu
        "೯೮೪೫೦ ೧೨೩೪೫",  # Kannada
        "൯൮൪൫൦ ൧൨൩൪൫",  # Malayalam
        "୯୮୪୫୦ ୧୨୩୪୫",  # Odia
        "٩٨٤٥٠ ١٢٣٤٥",  # Arabic-Indic
        "۹۸۴۵۰ ۱۲۳۴۵",  # Extended Arabic-Indic
    ],
)
def test_native_script_digits(text: str) -> None:
    (p,) = phones(f"कॉल {text}")
    assert p.value == "+919845012345"
    assert not p.obfuscated


def test_double_and_triple() -> None:
    assert values("nine eight four double five zero one two three four") == ["+919845501234"]
    assert values("triple 9 eight four five zero one two three") == ["+919998450123"]


@pytest.mark.parametrize(
    "text",
    [
        "Rates Rs 5000 only",
        "₹3,500/hr, 8000 full night",
        "5000/- per shot",
        "Rs. 15000 per month",
        "Date 12/05/2024",
        "on 2024-05-12 at 10:30",
        "12.05.2024 10:30 pm",
        "Age 19 yrs",
        "I am 19 years old",
        "PIN 110001 Delhi",
        "Pincode: 700091",
        "Order #4051234567 shipped",
        "Order no 9845012345 is confirmed",
        "PNR 4512345678",
        "Account no 98450123456",
        "Since 2019, in 2024",
        "Height 5'4 and 36-28-36",
        "salary 15000-20000 per month",
        "1,00,000 rupees",
        "Rs 9845012",
        "Room 1204, flat no 1203",
        "IMEI 356938035643809",
    ],
)
def test_must_not_be_phones(text: str) -> None:
    assert phones(text) == []


def test_price_next_to_phone() -> None:
    text = "Rs 5000 9845012345"
    (p,) = phones(text)
    assert text[p.start : p.end] == "9845012345"
    assert [i.type for i in extract(text)] == ["price", "phone"]


def test_two_numbers_in_one_list() -> None:
    assert values("9845012345, 9845054321 / 022-2345-6789") == ["+919845012345", "+919845054321", "+912223456789"]


def test_messaging_app_named_before_number() -> None:
    (p,) = phones("WhatsApp: 98450 12345")
    assert p.attrs["platform"] == "whatsapp"
    (p,) = phones("व्हाट्सएप ९८४५० १२३४५")
    assert p.attrs["platform"] == "whatsapp"


def test_invalid_numbers_are_not_phones() -> None:
    assert phones("call 5555555555") == []  # no Indian number starts with 5
    assert phones("call 0123456789") == []
    assert phones("call +91 55555 55555") == []


def test_words_alone_do_not_make_numbers() -> None:
    assert phones("one two three, I do not know, sat on the tin, ek do teen") == []
