"""E-mails, URLs and platform handles."""

from __future__ import annotations

import pytest

from tipwatch.extract import extract


def of_type(text: str, kind: str) -> list[tuple[str, str, bool]]:
    return [(i.value, text[i.start : i.end], i.obfuscated) for i in extract(text) if i.type == kind]


@pytest.mark.parametrize(
    ("text", "value", "obfuscated"),
    [
        ("mail Riya.K99@Gmail.com today", "riya.k99@gmail.com", False),
        ("mail riya (at) gmail [dot] com", "riya@gmail.com", True),
        ("mail riya[at]protonmail[dot]me", "riya@protonmail.me", True),
        ("mail riya {at} mydomain (dot) in", "riya@mydomain.in", True),  # brackets: any domain
        ("mail riya at gmail dot com", "riya@gmail.com", True),
        ("mail riya at yahoo dot co dot in", "riya@yahoo.co.in", True),
        ("mail riya @ gmail . com", "riya@gmail.com", True),
        ("mail riya@gmail.com. Next", "riya@gmail.com", False),
        ("mail ｒｉｙａ＠ｇｍａｉｌ．ｃｏｍ", "riya@gmail.com", True),  # fullwidth
    ],
)
def test_emails(text: str, value: str, obfuscated: bool) -> None:
    (found,) = of_type(text, "email")
    assert found[0] == value
    assert found[2] is obfuscated
    assert [v for v, _, _ in of_type(found[1], "email")] == [value]  # the span maps back


@pytest.mark.parametrize(
    "text",
    [
        "meet me at hotel dot com",  # plain words need a known mail provider
        "we are at home dot",
        "look at this. com on",
        "price @ 5000 only",
    ],
)
def test_prose_is_not_email(text: str) -> None:
    assert of_type(text, "email") == []


def test_email_domain_is_not_also_a_url() -> None:
    assert [i.type for i in extract("write to riya@gmail.com")] == ["email"]


@pytest.mark.parametrize(
    ("text", "value", "raw"),
    [
        ("see https://Example.COM/Path?a=1.", "https://example.com/Path?a=1", "https://Example.COM/Path?a=1"),
        ("see www.example.in/page, ok", "http://www.example.in/page", "www.example.in/page"),
        ("see (example.com/abc) now", "http://example.com/abc", "example.com/abc"),
        ("see HTTP://example.com:80", "http://example.com/", "HTTP://example.com:80"),
        ("see example.xyz!", "http://example.xyz/", "example.xyz"),
    ],
)
def test_urls(text: str, value: str, raw: str) -> None:
    (found,) = of_type(text, "url")
    assert found[0] == value
    assert found[1] == raw


def test_not_urls() -> None:
    assert of_type("end of sentence.Next one. e.g. this, 5.30 pm, Mr.Sharma", "url") == []


@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("follow instagram.com/Riya.Official", "instagram:riya.official"),
        ("follow https://www.instagram.com/riya_22/", "instagram:riya_22"),
        ("insta: @riya_22", "instagram:riya_22"),
        ("Insta ID - riya_22", "instagram:riya_22"),
        ("IG - riya.22", "instagram:riya.22"),
        ("join t.me/riya_vip", "telegram:riya_vip"),
        ("telegram @riya_vip", "telegram:riya_vip"),
        ("snap: riya_snap", "snapchat:riya_snap"),
        ("snapchat.com/add/riyasnap", "snapchat:riyasnap"),
        ("facebook.com/riya.page", "facebook:riya.page"),
        ("fb.com/riya.page", "facebook:riya.page"),
        ("https://www.facebook.com/profile.php?id=100012345678", "facebook:100012345678"),
        ("x.com/riya_x", "x:riya_x"),
        ("twitter.com/riya_x", "x:riya_x"),
        ("twitter: @riya_x", "x:riya_x"),
    ],
)
def test_handles(text: str, handle: str) -> None:
    assert [v for v, _, _ in of_type(text, "handle")] == [handle]


@pytest.mark.parametrize(
    "text",
    [
        "insta pics available",  # no separator: not a handle
        "instagram.com/p/Cabc123",  # a post, not an account
        "t.me/joinchat/AAAA",
        "IG - only serious",  # a stopword
        "bigfan: riya",  # "ig" inside a word
    ],
)
def test_not_handles(text: str) -> None:
    assert of_type(text, "handle") == []


def test_whatsapp_link_gives_handle_and_phone() -> None:
    text = "chat wa.me/919845012345 now"
    found = {(i.type, i.value) for i in extract(text)}
    assert ("handle", "whatsapp:+919845012345") in found
    assert ("phone", "+919845012345") in found
    assert ("url", "http://wa.me/919845012345") in found
    api = {(i.type, i.value) for i in extract("https://api.whatsapp.com/send?phone=919845012345")}
    assert ("phone", "+919845012345") in api
