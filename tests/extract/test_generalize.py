"""Issue 9: extraction mechanisms that failed on data the project did not write.

One test per mechanism; each fails if that mechanism breaks (context words that over-rejected, emoji after a number,
mixed digit/word tokens, look-alikes at token edges, numbers glued to a tariff, unit-first and per-duration prices,
age ranges, WeChat/Snapchat forms). Values are fictional.
"""

from __future__ import annotations

import pytest

from tipwatch.extract import extract
from tipwatch.text import digit_view


def values(text: str, kind: str, region: str = "IN") -> list[str]:
    return [i.value for i in extract(text, region) if i.type == kind]


# --- phones: context -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "for booking 9252760189",
        "Booking: 92527 60189",
        "bookings open - 9252760189",
        "order now 9252760189",
        "Booking No. 9252760189",  # in an ad, the number to book on
    ],
)
def test_activity_words_do_not_veto_a_phone(text: str) -> None:
    assert values(text, "phone") == ["+919252760189"]


@pytest.mark.parametrize(
    "text",
    [
        "booking id: 9252760189",
        "Order no 9252760189",
        "order # 9252760189",
        "ticket no. 9252760189",
        "booking ref 9252760189",
    ],
)
def test_identifier_words_with_an_id_marker_still_veto(text: str) -> None:
    assert values(text, "phone") == []


def test_dashed_pairs_after_booking() -> None:
    assert values("booking 78-08-41-48-52", "phone") == ["+917808414852"]


@pytest.mark.parametrize("emoji", ["🌹", "🌹🌹", " 🌹", " 💋"])
def test_emoji_after_a_number_keeps_it_a_phone(emoji: str) -> None:
    text = f"call 9252760189{emoji}"
    assert values(text, "phone") == ["+919252760189"]
    assert values(text, "price") == []  # its digits are no amount of roses
    assert values("300🌹 full night", "price") == ["300 roses/night"]  # a short amount still is


# --- phones: mixed digit/word tokens, homophones, teens ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("for80 2sixseven one9zerofor", "US", "+14802671904"),  # "for" = 4, words glued to digits and each other
        ("[773$2four0$13seventeen", "US", "+17732401317"),  # "$" separators, "seventeen" = 17
        ("six39856two23O", "IN", "+916398562230"),  # a look-alike O at the token's end
        ("nine4684six0588", "IN", "+919468460588"),
        ("ninety eight four five zero one two three four five", "IN", "+919845012345"),  # tens + unit
        ("sixseven eight nine four five zero one two three", "IN", "+916789450123"),
    ],
)
def test_mixed_tokens(text: str, region: str, e164: str) -> None:
    assert values(text, "phone", region) == [e164]


def test_glued_words_split_only_into_number_words() -> None:
    assert digit_view("sixseven").text == "sixseven"  # two words alone are not a number run
    assert digit_view("2sixseven one9zero4").text == "267 1904"
    for prose in ("someone often stops tonight for two to three hours", "forever informal photos"):
        assert not any(c.isdigit() for c in digit_view(prose).text), prose


def test_one_everyday_word_between_digit_groups() -> None:
    assert values("call 82205 oh 3661", "phone") == ["+918220503661"]  # spoken "oh" for zero
    assert values("girls 18 to 25", "age") == ["18", "25"]  # a short pair stays a range
    assert values("2000 to 3000 rs", "price") == ["3000 INR"]


def test_homophones_alone_stay_words() -> None:
    assert values("call me for 2 hours, to 9845012345", "phone") == ["+919845012345"]
    assert digit_view("for two to three").text == "for two to three"


# --- phones: look-alikes, separators, lists ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("call B4205926S2", "+918420592652"),  # edges of the token
        ("msg 7B5734395B now", "+917857343958"),
        ("contact BI7B4I2IBS", "+918178412185"),  # a whole token of digits and look-alikes
        ("number 72BIBo6943", "+917281806943"),  # a block of four letters inside
        ("call me at 98 45 O1 23 45", "+919845012345"),  # a short token next to other digit groups
        ("9845-O12-345", "+919845012345"),
    ],
)
def test_lookalikes_at_token_edges_and_whole_tokens(text: str, e164: str) -> None:
    assert values(text, "phone") == [e164]


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("7O3-2four0-I3I7", "+17032401317"),  # look-alikes and glued words in neighbouring tokens
        ("7l3 24o l3l7", "+17132401317"),
    ],
)
def test_lookalikes_next_to_other_disguised_tokens(text: str, e164: str) -> None:
    assert values(text, "phone", "US") == [e164]


def test_lookalike_words_stay_words() -> None:
    assert values("BOOBS123 solo2024 SOLO 1O1 2000s 4G", "phone") == []


@pytest.mark.parametrize("text", ["98450|12345", "98|45|01|23|45", "98450 || 12345", "98450$12345"])
def test_pipe_and_dollar_are_separators(text: str) -> None:
    assert values(f"call {text}", "phone") == ["+919845012345"]


def test_comma_listed_digits_join_but_lists_of_numbers_do_not() -> None:
    assert values("नौ, आठ, चार, पांच, शून्य, एक, दो, तीन, चार, पांच", "phone") == ["+919845012345"]
    assert values("9, 8, 4, 5, 0, 1, 2, 3, 4, 5", "phone") == ["+919845012345"]
    assert values("9845012345, 9845054321", "phone") == ["+919845012345", "+919845054321"]


def test_spelled_out_date_shapes_are_not_dates() -> None:
    # "1928-four-three" has the shape of a date but is written in words: part of a disguised number
    assert values("Eight-7 one928-four-three five-4", "phone") == ["+918719284354"]
    assert values("Date 12/05/2024", "phone") == []


# --- phones: glued to text, trailing groups ---------------------------------------------------------------------------
def test_number_glued_to_a_tariff() -> None:
    assert values("0871277810910p/min", "phone", "GB") == ["+448712778109"]
    assert values("txt GIRLS to 0870556556115ppm", "phone", "GB") == ["+448705565561"]
    assert values("call9845012345only", "phone") == ["+919845012345"]


def test_country_code_without_plus_yields_to_a_national_reading() -> None:
    # "nine one ..." is a ten-digit number followed by "24x7", not +91 and eight digits plus "24"
    assert values("contact nine one seven three three four nine three two nine 24x7", "phone") == ["+919173349329"]
    assert values("call 91 98450 12345", "phone") == ["+919845012345"]
    assert values("call 919845012345", "phone") == ["+919845012345"]


# --- prices --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("hh 120", "US", ["120 USD/half_hour"]),
        ("qk-60", "US", ["60 USD/quick"]),
        ("Hh-100", "US", ["100 USD/half_hour"]),
        ("Rates: hh 150, h 230, overnight 1000", "US", ["150 USD/half_hour", "230 USD/hour", "1000 USD/night"]),
        ("specials h/80 incall", "US", ["80 USD/hour"]),
        ("short - Rs 2000, no advance", "IN", ["2000 INR/shot"]),
        ("short 8k full night 24k", "IN", ["8000 INR/shot", "24000 INR/night"]),
        ("1 shot - 2500", "IN", ["2500 INR/shot"]),
    ],
)
def test_unit_first_prices(text: str, region: str, expected: list[str]) -> None:
    assert values(text, "price", region) == expected


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("Rs 2000 for 1 hr", "IN", "2000 INR/hour"),
        ("$300 2hrs", "US", "300 USD/2 hours"),
        ("only 100/hh donation", "US", "100 USD/half_hour"),
        ("$200/half hour", "US", "200 USD/half_hour"),
        ("150 per hour", "US", "150 USD/hour"),  # no currency written: the region's
        ("£120 per hour", "GB", "120 GBP/hour"),
        ("सिर्फ ₹५००० एक घंटा", "IN", "5000 INR/hour"),
        ("8000 for 1 hr", "IN", "8000 INR/hour"),
        ("Rate Rs.1500 per shot", "IN", "1500 INR/shot"),
    ],
)
def test_per_duration_rates(text: str, region: str, expected: str) -> None:
    assert values(text, "price", region) == [expected]


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        # rate lists: which amount a unit between two amounts belongs to
        ("hr:150 hh:100", "US", ["150 USD/hour", "100 USD/half_hour"]),
        ("150 hr 100 hh", "US", ["150 USD/hour", "100 USD/half_hour"]),
        ("100 qv 150 hh 200 hr", "US", ["100 USD/quick", "150 USD/half_hour", "200 USD/hour"]),
        ("hh100 h150", "US", ["100 USD/half_hour", "150 USD/hour"]),
        ("Incall: 150hh/250hr", "US", ["150 USD/half_hour", "250 USD/hour"]),
        ("2hrs 350, 3hrs 500", "US", ["350 USD/2 hours", "500 USD/3 hours"]),
        ("short 8000 full night 24000", "IN", ["8000 INR/shot", "24000 INR/night"]),
        ("1 shot 2000 2 shot 3500 full night 7000", "IN", ["2000 INR/shot", "3500 INR/2 shots", "7000 INR/night"]),
        ("Short Time: 3000, Night: 8000", "IN", ["3000 INR/shot", "8000 INR/night"]),
    ],
)
def test_rate_lists(text: str, region: str, expected: list[str]) -> None:
    assert values(text, "price", region) == expected


def test_rose_before_the_amount_and_cue_words() -> None:
    assert values("donation 🌹60", "price", "US") == ["60 roses"]
    assert values("110 🌹 1 shot, advance", "price") == ["110 roses/shot"]  # not "🌹 1": a count after the emoji
    assert values("rate 5000, no bargaining", "price") == ["5000 INR"]
    assert values("only 3000 cash", "price") == ["3000 INR"]


@pytest.mark.parametrize(
    "text", ["1 hr 30 min", "rate 5 star", "available day 2024", "night 2025", "3000/hr 8000 night"]
)
def test_not_unit_first_prices(text: str) -> None:
    found = values(text, "price")
    assert not any(v.startswith(("30 ", "5 ", "2024 ")) for v in found), found
    if text.startswith("3000"):
        assert found == ["3000 INR/hour", "8000 INR/night"]  # "hr" belongs to 3000, not to 8000


# --- ages ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("girls 18 to 25", ["18", "25"]),
        ("between 18-35 years", ["18", "35"]),
        ("college girls 25-30 available", ["25", "30"]),
        ("aged 19-24", ["19", "24"]),
        ("20 se 25 saal ki ladkiyan", ["20", "25"]),
        ("18-25 वर्ष की लड़कियां", ["18", "25"]),
    ],
)
def test_age_ranges(text: str, ages: list[str]) -> None:
    found = [i for i in extract(text) if i.type == "age"]
    assert [i.value for i in found] == ages
    assert all(i.attrs["range"] == [int(ages[0]), int(ages[1])] for i in found)


@pytest.mark.parametrize(
    "text",
    [
        "figure 36-24-36",
        "timing 10 to 12",
        "Since 2018-25",
        "call 20 to 30 times",
        "Call between 10 to 12 only",
        "10 to 15 girls available",  # a head count
    ],
)
def test_number_pairs_that_are_not_age_ranges(text: str) -> None:
    assert values(text, "age") == []


def test_first_person_age() -> None:
    assert values("hi im 29", "age") == ["29"]
    assert values("I'm 23 and new in town", "age") == ["23"]
    assert values("I'm 30 min away", "age") == []
    assert values("him 25", "age") == []


# --- handles -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("wechat ID: xxlily88", "wechat:xxlily88"),
        ("WeChat ID kitty_mira420", "wechat:kitty_mira420"),  # "ID" needs no separator after it
        ("weixin: sweet_star3", "wechat:sweet_star3"),
        ("snapchat me: lily_88x", "snapchat:lily_88x"),
        ("add me on snapchat: hotjaan71", "snapchat:hotjaan71"),
        ("👻 baby_moon", "snapchat:baby_moon"),  # the logo emoji names the platform
        ("📸 cutie.pari", "instagram:cutie.pari"),
        ("@sexydoll402 on insta", "instagram:sexydoll402"),  # name first
        ("SC @hot.diva", "snapchat:hot.diva"),  # not an e-mail: "diva" is no domain
        ("Wechat angelgirl668 add me", "wechat:angelgirl668"),  # bare, but it looks like an account
        ("kik me: lily_rose9", "kik:lily_rose9"),
    ],
)
def test_handle_forms(text: str, handle: str) -> None:
    assert values(text, "handle") == [handle]
    assert values(text, "email") == []


@pytest.mark.parametrize(
    "text", ["wechat available", "snap pics available", "insta - only serious", "snapchat premium"]
)
def test_words_after_a_platform_are_not_handles(text: str) -> None:
    assert values(text, "handle") == []


def test_plus_before_a_later_group_of_a_run() -> None:
    # two numbers joined by " / ": the "+" of the second one still marks its country code
    text = "call +91-6331083642 / +91 7 2 6 8 5 3 2 3 9 8"
    assert values(text, "phone") == ["+916331083642", "+917268532398"]
    assert values("98450 12345 / +971 five 8 4 7 2 0 4 oh six", "phone") == ["+919845012345", "+971584720406"]


def test_a_rejected_keyword_does_not_swallow_the_next() -> None:
    assert values("Insta Insta id - vipblr94", "handle") == ["instagram:vipblr94"]
    assert values("Telegram Telegram @hydangel44", "handle") == ["telegram:hydangel44"]


def test_line_breaks_and_plus_signs_end_numbers() -> None:
    # a PIN code or a date on the line before does not join the phone on the next line
    assert values("Patna - 757759\n📞 8948-761-542", "phone") == ["+918948761542"]
    assert values("Patna, 13/02/2025\n\n📞 +91 7229 636 566", "phone") == ["+917229636566"]
    # a number wrapped onto the next line is still read when nothing else is there
    assert values("call 98450\n12345", "phone") == ["+919845012345"]


def test_readme_example_lone_lookalike_between_spaced_digits() -> None:
    # the example of README.md: a lone "O" between spaced digits and spelled-out words
    assert values("call nine eight 4 5 O 1 2 3 4 5", "phone") == ["+919845012345"]
    assert values("9 8 4 5 O 1 2 3 4 5", "phone") == ["+919845012345"]
