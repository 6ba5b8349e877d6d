"""The platform registry: the bundled file loads with a source on every entry; a bad entry is refused naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipwatch.notices.registry import RegistryError, load_registry
from tipwatch.notices.removal import check


def test_the_bundled_registry_loads_and_every_entry_cites_a_source() -> None:
    reg = load_registry()
    assert reg.platforms and reg.removal_markers
    for p in reg.platforms.values():
        assert p.source and p.domains and p.recipient
    assert reg.for_url("https://t.me/some_channel/12") == reg.platforms["telegram"]
    assert reg.for_url("https://old.reddit.com/r/x/comments/1") == reg.platforms["reddit"]
    assert reg.for_url("https://notreddit.com/x") is None  # a suffix of the name is not a subdomain
    assert reg.for_url("not a url") is None


ENTRY = "  site:\n    name: Site\n    domains: [site.example]\n    abuse_email: abuse@site.example\n    source: s\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    source: s\n", ""), "entry 'site': source is missing"),
        (("abuse@site.example", "not-an-address"), "entry 'site': abuse_email"),
        (("[site.example]", "[]"), "entry 'site': domains must be a non-empty list"),
        (("[site.example]", "['bad domain']"), "entry 'site': bad domain"),
        (("    abuse_email: abuse@site.example\n", ""), "entry 'site': needs an abuse_email"),
        (("    source: s\n", "    source: s\n    trusted_flagger: maybe\n"), "entry 'site': trusted_flagger"),
        (("    source: s\n", "    source: s\n    api_endpoint: ftp://x\n"), "entry 'site': api_endpoint"),
        (("    source: s\n", "    source: s\n    colour: red\n"), "entry 'site': unknown field(s) colour"),
    ],
)
def test_a_bad_entry_is_refused_naming_it(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("platforms:\n" + ENTRY.replace(*change), encoding="utf-8")
    with pytest.raises(RegistryError) as exc:
        load_registry(path)
    assert str(path) in str(exc.value) and message in str(exc.value)


def test_a_domain_under_two_platforms_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("platforms:\n" + ENTRY + ENTRY.replace("  site:", "  other:"), encoding="utf-8")
    with pytest.raises(RegistryError) as exc:
        load_registry(path)
    assert "entry 'other': domain site.example is also under 'site'" in str(exc.value)


def test_removal_is_seen_from_the_status_or_a_removal_notice() -> None:
    markers = ("this ad has been removed",)
    assert check(404, "text/html", b"", markers).gone
    assert check(410, "", b"", markers).gone
    assert not check(500, "text/html", b"", markers).gone
    page = b"<html><head><script>var s='this ad has been removed'</script></head><body>Call now</body></html>"
    assert not check(200, "text/html", page, markers).gone  # script text is not what a visitor sees
    gone = b"<html><body><p>This   ad has been\nREMOVED.</p></body></html>"
    assert check(200, "text/html; charset=utf-8", gone, markers).why == "removal notice: 'this ad has been removed'"
    assert not check(200, "application/json", gone, markers).gone


def test_a_redirect_to_the_front_page_is_removal_but_not_a_login_wall() -> None:
    ad = "https://ads.example/ad/7"
    assert check(200, "text/html", b"<p>Home</p>", (), requested=ad, final="https://ads.example/").gone
    assert not check(200, "text/html", b"", (), requested=ad, final="https://ads.example/login?next=/ad/7").gone
    assert not check(200, "text/html", b"", (), requested=ad, final="https://other.example/").gone
    assert not check(200, "text/html", b"", (), requested="https://ads.example/", final="https://ads.example/").gone
