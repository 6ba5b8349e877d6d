"""detect(): script first, word lists for English vs Hinglish, lingua for the rest."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tipwatch.text import detect
from tipwatch.text.language import dominant_script


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("New in town, sweet girl available for incall and outcall. Call me now for the rates.", "en"),
        ("Urgent hiring for hotel jobs in Dubai, salary 50000, free visa and tickets. Contact agent.", "en"),
        ("नई लड़की आई है, अभी कॉल करें। रेट ३००० रुपये प्रति घंटा।", "hi"),
        ("नौकरी के लिए संपर्क करें, वीज़ा और टिकट मुफ्त", "hi"),
        ("নতুন মেয়ে এসেছে, যোগাযোগ করুন, রেট ৩০০০ টাকা।", "bn"),
        ("Nayi ladki aayi hai, abhi call karo, rate sirf 3000 hai. Koi advance nahi.", "hi-Latn"),
        ("Dubai mein naukri chahiye? Salary bahut achhi hai, visa free milega, jaldi contact karo", "hi-Latn"),
        ("ਨਵੀਂ ਕੁੜੀ ਆਈ ਹੈ", "pa"),
        ("புதிய பெண் வந்திருக்கிறாள்", "ta"),
        ("نئی لڑکی آئی ہے، ابھی کال کریں اور ریٹ پوچھیں", "ur"),
        ("Hola, me llamo Maria y vivo en Madrid. Estoy buscando trabajo como camarera en un hotel.", "es"),
    ],
)
def test_detect(text: str, lang: str) -> None:
    assert detect(text) == lang


def test_mixed_script_post_goes_by_the_majority_of_letters() -> None:
    assert detect("नई लड़की आई है, अभी कॉल करें, रेट पूछें। Call now") == "hi"
    assert dominant_script("Call now, rates inside, नई") == "Latin"


@pytest.mark.parametrize("text", ["", "   ", "9845012345 !!", "🔥💋🌹", "\u200b"])
def test_no_letters_no_language(text: str) -> None:
    assert detect(text) is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_never_raises(text: str) -> None:
    result = detect(text)
    assert result is None or isinstance(result, str)
