"""Structural indicators: functions of the identifiers and of the lexicon matches."""

from __future__ import annotations

from tipwatch.indicators.score import default_scorer
from tipwatch.model import Identifier, IndicatorHit
from tipwatch.text import normalize


def structural(text: str, kind: str, identifiers: list[Identifier]) -> dict[str, IndicatorHit]:
    found, _ = default_scorer().hits(normalize(text), kind, identifiers)
    return {h.code: h for h in found if h.code.isupper() and "_" in h.code and h.language == "und"}


def ident(text: str, type_: str, value: str, needle: str, **kw: object) -> Identifier:
    start = text.index(needle)
    return Identifier(type_, value, start, start + len(needle), **kw)  # type: ignore[arg-type]


def test_obscured_phone_fires_only_for_obfuscated_numbers() -> None:
    text = "call nine8seven6 5 4 3 2 1 0 or 9876501234"
    disguised = ident(text, "phone", "+919876543210", "nine8seven6 5 4 3 2 1 0", obfuscated=True)
    plain = ident(text, "phone", "+919876501234", "9876501234")
    found = structural(text, "escort_ad", [disguised, plain])
    assert found["OBSCURED_PHONE"].text == "nine8seven6 5 4 3 2 1 0"
    assert "OBSCURED_PHONE" not in structural(text, "escort_ad", [plain])


def test_many_contacts() -> None:
    text = "a 9876500001 b 9876500002 c 9876500003"
    phones = [ident(text, "phone", f"+91987650000{i}", f"987650000{i}") for i in (1, 2, 3)]
    assert "MANY_CONTACTS" in structural(text, "escort_ad", phones)
    assert "MANY_CONTACTS" not in structural(text, "escort_ad", phones[:2])
    same = [ident(text, "phone", "+919876500001", f"987650000{i}") for i in (1, 2, 3)]  # one number thrice
    assert "MANY_CONTACTS" not in structural(text, "escort_ad", same)


def test_multiple_ethnicities_counts_distinct_groups() -> None:
    assert "MULTI_ETHNICITY" in structural("Russian girls and Nepali girls available", "escort_ad", [])
    assert "MULTI_ETHNICITY" in structural("रूसी लड़कियां, nepali ladki bhi", "escort_ad", [])
    assert "MULTI_ETHNICITY" in structural("Russian and Nepali girls tonight", "escort_ad", [])
    # two spellings of one nationality are one group
    assert "MULTI_ETHNICITY" not in structural("Russian girls, रूसी लड़कियां", "escort_ad", [])


def test_stated_age_minor_and_youth() -> None:
    text = "Riya, age 16, sweet"
    minor = structural(text, "escort_ad", [ident(text, "age", "16", "age 16")])
    assert minor["STATED_AGE_MINOR"].text == "age 16"
    text = "Riya 19 yrs"
    young = structural(text, "escort_ad", [ident(text, "age", "19", "19 yrs")])
    assert "STATED_AGE_YOUNG" in young and "STATED_AGE_MINOR" not in young
    # 19 in a job ad is not youth wording; 30 is nothing anywhere
    assert "STATED_AGE_YOUNG" not in structural(text, "job_ad", [ident(text, "age", "19", "19 yrs")])
    text = "Riya 30 yrs"
    assert not structural(text, "escort_ad", [ident(text, "age", "30", "30 yrs")])


def test_new_in_place_reads_cues_around_the_place() -> None:
    text = "Hi gents, new in Pune for fun"
    found = structural(text, "escort_ad", [ident(text, "place", "Pune", "Pune")])
    assert found["NEW_IN_PLACE"].text == "new in Pune"
    text = "Goa till Sunday only"
    assert structural(text, "escort_ad", [ident(text, "place", "Goa", "Goa")])["NEW_IN_PLACE"].text == "Goa till Sunday"
    text = "Delhi mein nayi hu"
    assert "NEW_IN_PLACE" in structural(text, "escort_ad", [ident(text, "place", "Delhi", "Delhi")])
    text = "কলকাতায় নতুন এসেছি"  # locative suffix glued to the place
    assert "NEW_IN_PLACE" in structural(text, "escort_ad", [ident(text, "place", "Kolkata", "কলকাতা")])
    text = "I live in Pune since 2010"
    assert "NEW_IN_PLACE" not in structural(text, "escort_ad", [ident(text, "place", "Pune", "Pune")])


def test_third_party_voice_needs_plural_over_singular() -> None:
    assert "THIRD_PARTY_VOICE" in structural("We are here for you. Our place is clean, call us", "escort_ad", [])
    assert "THIRD_PARTY_VOICE" not in structural("I am here for you. My place, call me, we can talk", "escort_ad", [])
    assert "THIRD_PARTY_VOICE" in structural("हम आपके लिए, हमारे यहां आइए", "escort_ad", [])
    # employers write "we"; the rule does not apply to job ads
    assert "THIRD_PARTY_VOICE" not in structural("We are hiring. Our team, join us", "job_ad", [])


def test_messaging_only_job() -> None:
    text = "Hotel jobs in Dubai, message wa.me/919876543210"
    wa = ident(text, "url", "https://wa.me/919876543210", "wa.me/919876543210")
    assert "MESSAGING_ONLY_JOB" in structural(text, "job_ad", [wa])
    text2 = text + " or mail hr@example.com"
    mail = ident(text2, "email", "hr@example.com", "hr@example.com")
    assert "MESSAGING_ONLY_JOB" not in structural(text2, "job_ad", [wa, mail])
    assert "MESSAGING_ONLY_JOB" not in structural(text, "escort_ad", [wa])
    handle = Identifier("handle", "telegram:jobs_abroad", 0, 5)
    assert "MESSAGING_ONLY_JOB" in structural("x" * 10, "job_ad", [handle])
    assert "MESSAGING_ONLY_JOB" in structural("Apply: WhatsApp only", "job_ad", [])


def test_unrealistic_pay_needs_high_pay_and_no_experience() -> None:
    text = "Helper needed, salary 150000 per month, no experience needed"
    pay = ident(text, "price", "150000 INR/month", "150000 per month")
    assert "UNREALISTIC_PAY" in structural(text, "job_ad", [pay])
    daily = ident(text, "price", "5000 INR/day", "150000 per month")  # 5000 x 26 working days
    assert "UNREALISTIC_PAY" in structural(text, "job_ad", [daily])
    modest = ident(text, "price", "18000 INR/month", "150000 per month")
    assert "UNREALISTIC_PAY" not in structural(text, "job_ad", [modest])
    skilled = "Senior engineer, salary 150000 per month"
    pay2 = ident(skilled, "price", "150000 INR/month", "150000 per month")
    assert "UNREALISTIC_PAY" not in structural(skilled, "job_ad", [pay2])
    odd = ident(text, "price", "150 roses", "150000 per month")
    assert "UNREALISTIC_PAY" not in structural(text, "job_ad", [odd])


def test_identifiers_with_odd_spans_never_break_the_rules() -> None:
    text = "new in"
    weird = [
        Identifier("place", "X", 50, 60),
        Identifier("age", "abc", -3, 2),
        Identifier("price", "lots", 0, 100),
        Identifier("url", "http://[::1", 0, 1),
        Identifier("phone", "+1", 4, 2, obfuscated=True),
    ]
    found, _ = default_scorer().hits(normalize(text), "job_ad", weird)
    for h in found:
        assert 0 <= h.start <= h.end <= len(text)
