"""E-mail addresses, plain and disguised ("name (at) gmail [dot] com", "name at gmail dot com", "name＠gmail．com").

Matched on the normalized text (NFKC folds fullwidth "＠" and "．"; case is folded). Bracketed markers ("(at)",
"[dot]") are a clear sign and accepted with any domain; bare words ("at", "dot") only with a known mail provider,
so that prose ("meet me at hotel dot com") is not read as an address.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tipwatch.extract.context import Context
from tipwatch.extract.data import load
from tipwatch.model import Identifier

_OPEN = r"[\(\[\{<]"
_CLOSE = r"[\)\]\}>]"
_AT = rf"(?P<at>\s?@\s?|\s?{_OPEN}\s?(?:at|@)\s?{_CLOSE}\s?|\s(?:at|@)\s)"
_DOT = rf"(?:\.|\s\.\s|\s?{_OPEN}\s?(?:dot|\.)\s?{_CLOSE}\s?|\s(?:dot)\s)"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL = re.compile(
    rf"(?<![a-z0-9._%+-])(?P<local>[a-z0-9](?:[a-z0-9._%+-]{{0,63}}[a-z0-9_])?){_AT}"
    rf"(?P<host>{_LABEL}(?:{_DOT}{_LABEL}){{0,4}}){_DOT}(?P<tld>[a-z]{{2,24}})(?![a-z0-9-])"
)
_DOT_SPLIT = re.compile(_DOT)
# Where an address can be: an "@" or an "at" marker. The full pattern runs only around these (much faster than
# scanning every position for a local part).
_AT_HINT = re.compile(r"[@a](?:(?<=@)|(?<=a)t[\)\]\}>]|(?<=\sa)t\s)")  # starts with a class: fast scan
_LOOKBACK = 70  # local part (64) plus the marker
_MARKER = re.compile(rf"{_OPEN}|\bat\b|\bdot\b")


@lru_cache(maxsize=1)
def _mail_domains() -> frozenset[str]:
    return frozenset(str(d) for d in load("web.yaml")["mail_domains"]["list"])


@lru_cache(maxsize=1)
def _tlds() -> frozenset[str]:
    return frozenset(str(d) for d in load("web.yaml")["tlds"]["list"])


def find_emails(ctx: Context) -> list[Identifier]:
    t = ctx.norm.text
    out: list[Identifier] = []
    done = 0
    for hint in _AT_HINT.finditer(t):
        if hint.start() < done:
            continue
        m = _EMAIL.search(t, max(done, hint.start() - _LOOKBACK), hint.end() + 300)
        if m is None or m.start("at") > hint.end():
            continue
        done = m.end()
        at = m.group("at")
        host_raw = m.group("host")
        labels = _DOT_SPLIT.split(host_raw)
        seps = [m.group("at"), *_DOT_SPLIT.findall(host_raw), t[m.end("host") : m.start("tld")]]
        worded = any(_MARKER.search(s) for s in seps)
        bracketed = any(re.search(_OPEN, s) for s in seps)
        plain_at = at.strip() == "@"
        if worded and not bracketed and labels[0] not in _mail_domains():
            continue
        if not plain_at and not bracketed and labels[0] not in _mail_domains():
            continue
        if at != "@" and not bracketed and m.group("tld") not in _tlds() and labels[0] not in _mail_domains():
            continue  # "SC @hot.diva" is a handle after a keyword; a spaced "@" needs a real domain
        value = f"{m.group('local')}@{'.'.join(labels)}.{m.group('tld')}"
        start, end = ctx.norm.to_original(m.start(), m.end())
        obfuscated = worded or any(s != "." for s in seps[1:]) or at != "@"
        if not obfuscated and ctx.text[start:end].lower() != value:
            obfuscated = True  # fullwidth or other look-alike characters
        out.append(
            Identifier(
                type="email",
                value=value,
                start=start,
                end=end,
                confidence=0.99 if not obfuscated else (0.9 if bracketed or plain_at else 0.8),
                obfuscated=obfuscated,
            )
        )
    return out
