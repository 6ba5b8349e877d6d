"""Social and messaging accounts as ``platform:name``, from profile links and from keyword forms ("insta: @x").

wa.me/<number> and api.whatsapp.com/send?phone=<number> links name a phone number: they give a ``whatsapp:+E164``
handle and a phone identifier. Platforms, hosts, name syntax and reserved path words live in ``web.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs

import phonenumbers

from tipwatch.extract.context import Context, word_alternation
from tipwatch.extract.data import load
from tipwatch.extract.urls import Url
from tipwatch.model import Identifier
from tipwatch.text.normalize import normalize


@dataclass(slots=True, frozen=True)
class _Platform:
    name: str
    hosts: frozenset[str]
    name_re: re.Pattern[str]
    reserved: frozenset[str]
    path_prefix: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class _Knowledge:
    platforms: dict[str, _Platform]
    host_to_platform: dict[str, str]
    keyword_re: re.Pattern[str] | None
    keyword_platform: dict[str, str]
    stopwords: frozenset[str]
    name_first_re: re.Pattern[str]
    no_sep_fillers: frozenset[str]
    signs: frozenset[str]


@lru_cache(maxsize=1)
def _knowledge() -> _Knowledge:
    data = load("web.yaml")
    platforms: dict[str, _Platform] = {}
    host_to_platform: dict[str, str] = {}
    keyword_platform: dict[str, str] = {}
    for name, entry in data["platforms"].items():
        p = _Platform(
            name=name,
            hosts=frozenset(str(h) for h in entry["hosts"]),
            name_re=re.compile(str(entry["name"])),
            reserved=frozenset(str(r) for r in entry.get("reserved", [])),
            path_prefix=tuple(str(x) for x in entry.get("path_prefix", [])),
        )
        platforms[name] = p
        for h in p.hosts:
            host_to_platform[h] = name
        if name != "whatsapp":  # a WhatsApp keyword is followed by a phone number: the phone finder handles it
            for kw in entry.get("keywords", []):
                keyword_platform[str(kw)] = name
    # "<keyword> [filler] <sep> [@]<name>"; whether a missing separator is acceptable is decided in code.
    forms = data["handle_forms"]
    kw = word_alternation(keyword_platform)
    fillers = word_alternation(forms["fillers"])
    keyword_re = re.compile(
        rf"(?P<kw>{kw})(?:\s?(?P<filler>{fillers})(?![^\W_]))?"
        rf"(?P<sep>\s?(?:[:=>\-–—~|]+|is|->)\s?@?|\s?@|\s)\s?(?P<name>[a-z0-9][a-z0-9._-]{{1,40}})"
    )
    name_first = word_alternation(forms["name_first"])
    # "@lily_88 on insta": an "@" name, then the platform
    name_first_re = re.compile(rf"@(?P<name>[a-z0-9][a-z0-9._-]{{1,40}})\s?(?:{name_first})\s?(?P<kw>{kw})(?![^\W_])")
    return _Knowledge(
        platforms,
        host_to_platform,
        keyword_re,
        keyword_platform,
        frozenset(str(w) for w in data["handle_stopwords"]["list"]),
        name_first_re,
        frozenset(str(w) for w in forms["no_separator_after"]),
        frozenset(normalize(str(w)).text for w in forms["signs"]),
    )


def _platform_for_host(host: str, kb: _Knowledge) -> str | None:
    host = host.removeprefix("www.")
    if host in kb.host_to_platform:
        return kb.host_to_platform[host]
    # subdomains such as m.facebook.com or web.facebook.com
    parts = host.split(".")
    for i in range(1, len(parts) - 1):
        parent = ".".join(parts[i:])
        if parent in kb.host_to_platform:
            return kb.host_to_platform[parent]
    return None


def _whatsapp_phone(digits: str, region: str) -> str | None:
    try:
        num = phonenumbers.parse("+" + digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def handles_from_urls(urls: list[Url], ctx: Context) -> list[Identifier]:
    kb = _knowledge()
    out: list[Identifier] = []
    for u in urls:
        platform = _platform_for_host(u.host, kb)
        if platform is None:
            continue
        p = kb.platforms[platform]
        segments = [s for s in u.path.split("/") if s]
        if platform == "whatsapp":
            digits = ""
            if u.host.endswith("wa.me") and segments:
                digits = segments[0].lstrip("+")
            elif segments and segments[0] == "send":
                digits = (parse_qs(u.query).get("phone") or [""])[0].lstrip("+ ")
            digits = re.sub(r"[^0-9]", "", digits)
            if not digits:
                continue
            e164 = _whatsapp_phone(digits, ctx.region)
            if e164 is None:
                continue
            out.append(Identifier("handle", f"whatsapp:{e164}", u.start, u.end, 0.95, attrs={"platform": "whatsapp"}))
            out.append(Identifier("phone", e164, u.start, u.end, 0.95, attrs={"platform": "whatsapp", "via": "url"}))
            continue
        if platform == "facebook" and segments and segments[0] == "profile.php":
            fb_id = (parse_qs(u.query).get("id") or [""])[0]
            if fb_id.isdigit():
                out.append(
                    Identifier("handle", f"facebook:{fb_id}", u.start, u.end, 0.95, attrs={"platform": platform})
                )
            continue
        if platform == "telegram" and len(segments) >= 2 and segments[0] == "s":
            segments = segments[1:]
        if p.path_prefix:
            if len(segments) < 2 or segments[0].lower() not in p.path_prefix:
                continue
            segments = segments[1:]
        if not segments:
            continue
        name = segments[0].lstrip("@").lower()
        if name in p.reserved or not p.name_re.fullmatch(name):
            continue
        out.append(Identifier("handle", f"{platform}:{name}", u.start, u.end, 0.95, attrs={"platform": platform}))
    return out


def handles_from_keywords(ctx: Context) -> list[Identifier]:
    kb = _knowledge()
    if kb.keyword_re is None:
        return []
    out: list[Identifier] = []
    t = ctx.norm.text
    pos = 0
    while (m := kb.keyword_re.search(t, pos)) is not None:
        # a rejected candidate must not swallow the next keyword ("Insta Insta id - x"): go on after this keyword
        pos = m.end("kw")
        if m.start() > 0 and t[m.start() - 1].isalnum():
            continue  # "big: x" is not "ig: x" (checked here rather than by a leading lookbehind: faster scan)
        kw = m.group("kw")
        sep = m.group("sep")
        name = m.group("name").rstrip("._-")
        bare = not sep.strip() and not (kw in kb.signs or m.group("filler") in kb.no_sep_fillers)
        if bare and not any(c in name for c in "0123456789_."):
            continue  # no separator: only a name that looks like an account ("wechat lily_88", not "snap pics")
        if _add(out, ctx, kb, kw, name, m.start(), m.start("name"), 0.85 if "@" in sep else 0.7):
            pos = m.end()
    for m in kb.name_first_re.finditer(t):
        _add(out, ctx, kb, m.group("kw"), m.group("name").rstrip("._-"), m.start(), m.start(), 0.8)
    return out


def _add(
    out: list[Identifier], ctx: Context, kb: _Knowledge, kw: str, name: str, start: int, name_at: int, conf: float
) -> bool:
    """Append the handle if the name is one; True if it was."""
    platform = kb.keyword_platform.get(kw)
    if platform is None:
        return False
    p = kb.platforms[platform]
    if name in kb.stopwords or name in kb.keyword_platform or not p.name_re.fullmatch(name) or name.isdigit():
        return False
    end = max(name_at + len(name), start + 1) if name_at > start else start + 1 + len(name)
    if name_at == start:  # name first: the span runs to the end of the keyword
        end = ctx.norm.text.find(kw, start) + len(kw)
    a, b = ctx.norm.to_original(start, end)
    # the same name found twice over one stretch ("insta @x" and "@x on insta"): once (the last few suffice, the
    # keyword forms come in reading order)
    if ctx.is_claimed(a, b) or any(i.start < b and a < i.end and i.value.endswith(":" + name) for i in out[-4:]):
        return False
    out.append(Identifier("handle", f"{platform}:{name}", a, b, conf, attrs={"platform": platform, "via": "keyword"}))
    return True
