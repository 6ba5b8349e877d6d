"""The indicator model: benign look-alikes score low, indicative posts high, in several languages; the explanation
is ordered and adds up."""

from __future__ import annotations

import math

import pytest

from tipwatch.indicators import assess
from tipwatch.indicators.score import default_scorer, logit
from tipwatch.model import Identifier

# Hand-written examples (synthetic people, numbers and places). (kind, text)
INDICATIVE = [
    (
        "escort_ad",
        "New girls in town for 3 days only! Young fresh college girls, 100% genuine, no advance. "
        "Our girls are Russian and Nepali.",
    ),
    ("escort_ad", "Just turned 18, barely legal and innocent. Real pics, 100% real. Leaving Sunday, book now"),
    (
        "escort_ad",
        "Hamare paas nayi ladkiyan hain, kamsin, college wali. Sirf 3 din ke liye. 100% asli photo, koi dhokha nahi",
    ),
    ("escort_ad", "हमारी लड़कियां कमसिन और नई हैं। सिर्फ 2 दिन के लिए शहर में नई। 100% असली फोटो, कोई एडवांस नहीं"),
    ("escort_ad", "আমাদের মেয়েরা কচি, কলেজের মেয়ে। শুধু ৩ দিন। ১০০% আসল ছবি, কোন অ্যাডভান্স নেই"),
    (
        "job_ad",
        "Urgent hiring for hotel jobs in Dubai. Free visa and ticket. No experience needed. Registration fee Rs 8000, "
        "passport will be kept by the company. WhatsApp only.",
    ),
    (
        "job_ad",
        "Dubai mein naukri! Visa free, rehna khana free. Fees jama karni hogi, passport company ke paas rahega.",
    ),
    ("job_ad", "মালয়েশিয়া চাকরি, ফ্রি ভিসা। অভিজ্ঞতা লাগবে না। রেজিস্ট্রেশন ফি ১০০০০ টাকা, পাসপোর্ট জমা রাখতে হবে"),
    ("job_ad", "विदेश में नौकरी, फ्री वीजा। रजिस्ट्रेशन फीस 5000, पासपोर्ट कंपनी के पास रहेगा, छुट्टी नहीं मिलेगी"),
    (
        "marriage_profile",
        "Need bride urgently, poor family ok, marry and settle abroad, we will bear all marriage expenses. "
        "Pay for your visa later.",
    ),
    (
        "dating_profile",
        "Sweetheart I am stuck at customs, send money by western union for the clearance fee, don't tell your family",
    ),
]

BENIGN = [
    ("escort_ad", "Independent mature companion, 35, Bangalore. I work alone, by appointment, adults only."),
    ("escort_ad", "Certified physiotherapist offering sports massage at my clinic in Koramangala. Appointments only."),
    (
        "job_ad",
        "Hotel staff required for Dubai. No recruitment fee, the employer pays visa and ticket. "
        "Recruiting agent licence no B-0000/MUM/PER/1000+/5/0000/2020. "
        "Walk-in interview at our office, 2nd floor, Andheri.",
    ),
    (
        "job_ad",
        "Accounts assistant, 2 years experience, B.Com, salary as per norms. Apply on our website careers page.",
    ),
    ("job_ad", "दुबई में होटल स्टाफ की भर्ती। कोई फीस नहीं, खर्च कंपनी का। लाइसेंस नंबर दिया गया है, कार्यालय में साक्षात्कार।"),
    ("job_ad", "সৌদি আরবে নার্স নিয়োগ। কোনো টাকা লাগবে না, সরকার অনুমোদিত এজেন্সি, অফিসের ঠিকানা নিচে দেওয়া আছে।"),
    (
        "marriage_profile",
        "Seeking alliance for our daughter, 27, MBA, working in Pune. Family values. No dowry. Caste no bar.",
    ),
    ("marriage_profile", "पुत्र हेतु वधू चाहिए, 29 वर्ष, इंजीनियर, दिल्ली। शिक्षित परिवार, दहेज नहीं।"),
    ("marriage_profile", "পাত্রী চাই, পাত্র ৩০, সরকারি চাকরি, কলকাতা। যৌতুক ছাড়া, শিক্ষিত পরিবার।"),
    ("social_post", "Fresh vegetables and fruits delivered daily in Salt Lake. Order on our website."),
    ("social_post", "We have new stock of sarees for Durga Puja, visit our shop in Gariahat"),
]


@pytest.mark.parametrize(("kind", "text"), INDICATIVE)
def test_indicative_posts_score_high(kind: str, text: str) -> None:
    hits, assessment = assess(text, kind, [])
    assert assessment.risk >= 0.5, [(r.code, r.contribution) for r in assessment.reasons]
    assert hits


@pytest.mark.parametrize(("kind", "text"), BENIGN)
def test_benign_look_alikes_score_low(kind: str, text: str) -> None:
    _, assessment = assess(text, kind, [])
    assert assessment.risk < 0.15, [(r.code, r.contribution) for r in assessment.reasons]


def test_every_indicative_post_outscores_every_benign_one() -> None:
    low = max(assess(t, k, [])[1].risk for k, t in BENIGN)
    high = min(assess(t, k, [])[1].risk for k, t in INDICATIVE)
    assert high > low


def test_reasons_are_ordered_and_add_up_to_the_log_odds() -> None:
    text = (
        "Hotel jobs in Dubai, registration fee 5000, passport will be kept. No recruitment fee for nurses. "
        "Urgent hiring!"
    )
    _, a = assess(text, "job_ad", [])
    contributions = [r.contribution for r in a.reasons]
    positives = [c for c in contributions if c > 0]
    negatives = [c for c in contributions if c < 0]
    assert positives and negatives
    assert contributions == positives + negatives  # raising reasons first
    assert positives == sorted(positives, reverse=True)
    assert negatives == sorted(negatives)  # most lowering first among the lowering ones
    intercept = default_scorer().intercept
    assert math.isclose(intercept + sum(contributions), logit(a.risk), abs_tol=1e-2)
    top = a.reasons[0]
    assert top.code == "JOB_DOCUMENTS_RETAINED"
    assert top.start is not None and top.end is not None
    assert text[top.start : top.end].lower() == "passport will be kept"
    assert "documents" in top.detail and "ilo_fl_indicators" in top.detail


def test_job_flags_count_fully_only_in_job_ads() -> None:
    text = "Registration fee Rs 5000 and passport will be kept by the company"
    job = assess(text, "job_ad", [])[1].risk
    escort = assess(text, "escort_ad", [])[1].risk
    assert job > escort
    youth = "young fresh college girls, new girls daily"
    assert assess(youth, "escort_ad", [])[1].risk > assess(youth, "job_ad", [])[1].risk


def test_repetition_does_not_inflate_and_categories_are_capped() -> None:
    once = assess("fresh girls", "escort_ad", [])[1].risk
    many = assess("fresh girls! " * 30, "escort_ad", [])[1].risk
    assert math.isclose(once, many)
    youth_flood = "young girls, teen, just 18, barely legal, college girls, schoolgirl, kamsin, কচি, कमसिन, fresh new"
    _, a = assess(youth_flood, "escort_ad", [])
    youth = sum(r.contribution for r in a.reasons if r.detail.startswith("youth"))
    assert math.isclose(youth, 2.0, abs_tol=1e-3)  # the youth cap in data/scoring.yaml


def test_structural_reasons_join_the_explanation() -> None:
    text = "call nine eight 7 six five 4 3 2 1 0"
    phone = Identifier("phone", "+919876543210", 5, len(text), obfuscated=True)
    hits, a = assess(text, "escort_ad", [phone])
    assert [h.code for h in hits] == ["OBSCURED_PHONE"]
    assert a.reasons[0].code == "OBSCURED_PHONE" and a.reasons[0].start == 5
    assert a.risk > assess(text, "escort_ad", [])[1].risk


def test_empty_and_hostile_text() -> None:
    for text in ("", " ", "\x00\ud800", "<script>alert(1)</script>" * 100, "🌹" * 10000):
        hits, a = assess(text, "escort_ad", [])
        assert 0.0 <= a.risk <= 1.0
        for h in hits:
            assert h.text == text[h.start : h.end]


def test_unknown_kind_counts_as_other() -> None:
    text = "our girls are new in town"
    assert assess(text, "banana", [])[1].risk == assess(text, "other", [])[1].risk


def test_a_normalized_text_for_another_text_is_not_trusted() -> None:
    from tipwatch.text import normalize

    text = "our girls are new in town"
    stale = normalize("something else entirely")
    assert assess(text, "escort_ad", [], stale)[1].risk == assess(text, "escort_ad", [])[1].risk
