"""to_post: aliases, cleaning, dates, kinds, ids, quarantine reasons; and that it never raises."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tipwatch.model import POST_KINDS, Post, Quarantined, RawRecord
from tipwatch.sources import MAX_TEXT_CHARS, content_id, map_kind, parse_datetime, read, to_post


def _post(fields: dict[str, Any], **kwargs: Any) -> Post:
    result = to_post(RawRecord("in.jsonl", "line 1", json.dumps(fields, default=str), fields), **kwargs)
    assert isinstance(result, Post), result
    return result


def _quarantined(fields: Any, **kwargs: Any) -> Quarantined:
    result = to_post(RawRecord("in.jsonl", "line 7", "raw text", fields), **kwargs)
    assert isinstance(result, Quarantined), result
    assert (result.source, result.position, result.raw) == ("in.jsonl", "line 7", "raw text")
    return result


@pytest.mark.parametrize("key", ["text", "body", "description", "content", "ad_text", "Ad Text", "AD-TEXT"])
def test_body_aliases(key: str) -> None:
    assert _post({key: "the ad"}).body == "the ad"


@pytest.mark.parametrize("key", ["title", "headline", "subject", "Headline"])
def test_title_aliases(key: str) -> None:
    assert _post({key: "the title", "text": "b"}).title == "the title"


@pytest.mark.parametrize(
    ("key", "attr", "value", "expected"),
    [
        ("location", "location", "Pune", "Pune"),
        ("city", "location", "Kolkata", "Kolkata"),
        ("place", "location", " Dhaka \n Mirpur ", "Dhaka Mirpur"),
        ("url", "url", "https://x.test/a", "https://x.test/a"),
        ("link", "url", "http://y.test/b?c=1", "http://y.test/b?c=1"),
        ("platform", "platform", "Locanto", "locanto"),
        ("site", "platform", "skokka", "skokka"),
        ("source_site", "platform", "OLX", "olx"),
        ("images", "images", ["a.jpg", "b.jpg", "a.jpg"], ["a.jpg", "b.jpg"]),
        ("image", "images", "https://i.test/1.jpg", ["https://i.test/1.jpg"]),
        ("image_urls", "images", "a.jpg | b.jpg; c.jpg", ["a.jpg", "b.jpg", "c.jpg"]),
        ("images", "images", '["x.png", "y.png"]', ["x.png", "y.png"]),
        ("images", "images", [{"url": "u.jpg"}, {"src": "s.jpg"}, 5], ["u.jpg", "s.jpg"]),
        ("location", "location", {"city": "Pune", "state": "MH"}, "Pune, MH"),
    ],
)
def test_other_field_aliases(key: str, attr: str, value: Any, expected: Any) -> None:
    assert getattr(_post({"text": "b", key: value}), attr) == expected


def test_dangerous_urls_and_images_are_dropped() -> None:
    post = _post({"text": "b", "url": "javascript:alert(1)", "images": ["data:image/png;base64,AA", "ok.jpg"]})
    assert post.url is None and post.images == ["ok.jpg"]
    assert _post({"text": "b", "url": "http://[broken"}).url is None


def test_platform_falls_back_to_default_then_url_host() -> None:
    assert _post({"text": "b", "url": "https://www.Locanto.in/x"}).platform == "locanto.in"
    assert _post({"text": "b", "url": "https://www.locanto.in/x"}, default_platform="lc").platform == "lc"
    assert _post({"text": "b", "site": "skokka"}, default_platform="lc").platform == "skokka"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-12T10:30:00Z", "2024-05-12T10:30:00+00:00"),
        ("2024-05-12T16:00:00+05:30", "2024-05-12T10:30:00+00:00"),
        ("2024-05-12", "2024-05-12T00:00:00+00:00"),
        ("12/05/2024 10:30", "2024-05-12T10:30:00+00:00"),  # day first, as written in India
        ("05/13/2024", "2024-05-13T00:00:00+00:00"),  # 13 cannot be a month
        ("May 12, 2024", "2024-05-12T00:00:00+00:00"),
        ("12 May 2024 4:00 PM IST", "2024-05-12T10:30:00+00:00"),
        ("Posted on 12 May 2024", "2024-05-12T00:00:00+00:00"),
        (1715509800, "2024-05-12T10:30:00+00:00"),
        ("1715509800", "2024-05-12T10:30:00+00:00"),
        (1715509800123, "2024-05-12T10:30:00.123000+00:00"),
        (1715509800.5, "2024-05-12T10:30:00.500000+00:00"),
        ("20240512", "2024-05-12T00:00:00+00:00"),
    ],
)
def test_dates(value: Any, expected: str) -> None:
    parsed = parse_datetime(value)
    assert parsed is not None and parsed.isoformat() == expected
    assert parsed.tzinfo is not None
    assert _post({"text": "b", "posted_at": value}).posted_at == parsed


@pytest.mark.parametrize(
    "value", ["garbage", "10:30", "May 2024", "2 days ago", "", 0, "0", True, "9999-12-31", "1850-01-01", [2024]]
)
def test_unreadable_or_incomplete_dates_are_none_and_stay_in_raw(value: Any) -> None:
    assert parse_datetime(value) is None
    post = _post({"text": "b", "date": value})
    assert post.posted_at is None
    assert json.loads(post.raw)["date"] == value


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("Female Escorts", "escort_ad"),
        ("call-girls", "escort_ad"),
        ("Massage / Body Rubs", "escort_ad"),
        ("Jobs", "job_ad"),
        ("Overseas jobs (Gulf)", "job_ad"),
        ("Matrimonial", "marriage_profile"),
        ("Bride wanted", "marriage_profile"),
        ("Women seeking men", "dating_profile"),
        ("tweet", "social_post"),
        ("job_ad", "job_ad"),
        ("something unheard of", "other"),
    ],
)
def test_kind_mapping(value: str, kind: str) -> None:
    assert _post({"text": "b", "category": value}).kind == kind


def test_default_kind_applies_only_when_the_record_says_nothing_known() -> None:
    assert _post({"text": "b"}, default_kind="job_ad").kind == "job_ad"
    assert _post({"text": "b", "type": "mystery"}, default_kind="job_ad").kind == "job_ad"
    assert _post({"text": "b", "type": "Escorts"}, default_kind="job_ad").kind == "escort_ad"
    assert map_kind("") is None
    with pytest.raises(ValueError, match="default_kind"):
        to_post(RawRecord("s", "p", "", {"text": "b"}), default_kind="nonsense")


def test_html_in_text_fields_becomes_visible_text_and_raw_is_untouched() -> None:
    fields = {"title": "<b>Hot</b> &amp; new", "text": "<p>Call me</p><script>alert(1)</script><style>x{}</style>"}
    post = _post(fields)
    assert (post.title, post.body) == ("Hot & new", "Call me")
    assert "<script>alert(1)</script>" in post.raw


def test_prose_with_angle_brackets_is_left_alone() -> None:
    assert _post({"text": "I <3 you, rates <5k, ask for <Priya>"}).body == "I <3 you, rates <5k, ask for <Priya>"


def test_odd_unicode_is_cleaned_but_meaningful_marks_are_kept() -> None:
    body = "a\x00b\x07c\r\nd\re\u200bf\u200dg\u200fh\U0001f339\ud800i\u0085j\ufeffk\tl"
    post = _post({"text": body, "title": "  multi\nline\ttitle  "})
    # NUL/BEL/NEL/BOM removed, CR and CRLF -> LF, lone surrogate -> U+FFFD;
    # zero-width space/joiner, RTL mark, emoji and tab kept.
    assert post.body == "abc\nd\ne\u200bf\u200dg\u200fh\U0001f339\ufffdijk\tl"
    assert post.title == "multi line title"
    post.text.encode("utf-8")
    devanagari = "क्\u200dष नमस्ते"
    assert _post({"text": devanagari}).body == devanagari


def test_quarantine_reasons() -> None:
    error = RawRecord("f.jsonl", "line 3", "{bad", None, "invalid JSON: Expecting value at column 1")
    result = to_post(error)
    assert isinstance(result, Quarantined)
    assert (result.reason, result.position, result.raw) == (error.error, "line 3", "{bad")
    assert _quarantined({"text": "  ", "title": "", "city": "Pune"}).reason == (
        "no text: title and body are empty (fields present: text, title, city)"
    )
    assert _quarantined({"text": "<script>only()</script>"}).reason.startswith("no text:")
    assert _quarantined({}).reason == "no text: title and body are empty (fields present: none)"
    too_long = "x" * (MAX_TEXT_CHARS + 1)
    assert _quarantined({"text": too_long}).reason == (
        f"text too long: body has {MAX_TEXT_CHARS + 1} characters (limit {MAX_TEXT_CHARS})"
    )
    assert _quarantined({"title": too_long, "text": "b"}).reason.startswith("text too long: title has ")
    assert _quarantined(["not", "a", "dict"]).reason == "record is not an object: got list"


def test_ids_from_the_source_or_a_stable_content_hash() -> None:
    assert _post({"id": "ad-77", "text": "b"}).id == "in.jsonl/ad-77"  # namespaced by the input file's name
    assert _post({"id": "ad-77", "text": "b"}).source_id == "ad-77"
    assert _post({"post_id": 12345, "text": "b"}).source_id == "12345"
    assert _post({"ad_id": 3.0, "text": "b"}).source_id == "3"
    assert _post({"id": "7", "text": "b", "platform": "Locanto"}).id == "locanto/7"  # or by the platform
    hashed = _post({"title": "T", "text": "Body  text", "url": "https://x.test/1", "site": "s"})
    assert hashed.id == content_id("T", "Body text", "https://x.test/1", "s")
    assert len(hashed.id) == 32
    # Identical reposts collapse (re-wrapped whitespace too); any change in text, url or platform separates.
    assert _post({"title": "T", "text": "Body\ntext", "url": "https://x.test/1", "site": "s"}).id == hashed.id
    assert _post({"title": "T", "text": "Body text!", "url": "https://x.test/1", "site": "s"}).id != hashed.id
    assert _post({"title": "T", "text": "Body text", "url": "https://x.test/2", "site": "s"}).id != hashed.id
    assert _post({"title": "T", "text": "Body text", "url": "https://x.test/1", "site": "o"}).id != hashed.id
    assert _post({"id": "", "text": "b"}).id == content_id("", "b", None, None)


def test_rereading_the_same_input_gives_the_same_ids(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    rows = [{"text": f"post {i}", "title": "t"} for i in range(50)] + [{"text": "post 3", "title": "t"}]
    path.write_text("\n".join(json.dumps(r) for r in rows))

    def ids() -> list[str]:
        return [p.id for p in (to_post(r) for r in read([path])) if isinstance(p, Post)]

    first, second = ids(), ids()
    assert first == second
    assert len(set(first)) == 50  # the repost of "post 3" shares its id


def test_naive_datetime_objects_are_utc() -> None:
    assert parse_datetime(datetime(2024, 5, 12, 10, 30)) == datetime(2024, 5, 12, 10, 30, tzinfo=UTC)


_keys = st.sampled_from(
    ["text", "body", "title", "headline", "date", "posted_at", "url", "images", "city", "id", "category", "site"]
) | st.text(max_size=12)
_values = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec=None), max_size=50),  # surrogates and controls included
    st.integers(),
    st.floats(),
    st.none(),
    st.booleans(),
    st.lists(st.text(max_size=20), max_size=5),
    st.dictionaries(st.text(max_size=5), st.text(max_size=10), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(fields=st.dictionaries(_keys, _values, max_size=8), kind=st.none() | st.sampled_from(POST_KINDS))
def test_to_post_never_raises_and_output_is_storable(fields: dict[str, Any], kind: str | None) -> None:
    result = to_post(RawRecord("h", "line 1", "raw", fields), default_kind=kind)
    if isinstance(result, Quarantined):
        assert not result.reason.startswith("internal error"), result.reason
        assert result.reason.startswith(("no text", "text too long")), result.reason
        result.reason.encode("utf-8")
        return
    assert result.title or result.body
    assert result.kind in POST_KINDS
    for text in (result.title, result.body, result.id, result.url or "", result.location or "", *result.images):
        text.encode("utf-8")  # no lone surrogates left
        assert "\x00" not in text
    assert result.posted_at is None or result.posted_at.tzinfo is not None
    # Pure: the same record gives the same post.
    assert to_post(RawRecord("h", "line 1", "raw", fields), default_kind=kind) == result


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(codec=None), max_size=200))
def test_parse_datetime_never_raises(text: str) -> None:
    result = parse_datetime(text)
    assert result is None or result.tzinfo is not None
