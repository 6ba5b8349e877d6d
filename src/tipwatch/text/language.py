"""Offline language detection tuned for this region: script first, word lists for Latin, lingua as the fallback.

1. The dominant writing script of the letters settles most posts at once (Devanagari -> "hi", Bengali -> "bn", ...;
   ``scripts.yaml``).
2. Latin-script posts: function-word lists tell English ("en") from romanized Hindi / Hinglish ("hi-Latn")
   (``language_words.yaml``); a statistical model is weak on Hinglish, word lists are not.
3. Whatever is left (other Latin-script languages, Arabic or Cyrillic script) goes to lingua-language-detector,
   built once, restricted to a few candidates, in low-accuracy mode (several times faster, enough for a post).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

from tipwatch.text.data import load

_WORD = re.compile(r"[^\W\d_]+")
_LINGUA_CODES = {
    "ENGLISH": "en",
    "FRENCH": "fr",
    "SPANISH": "es",
    "PORTUGUESE": "pt",
    "GERMAN": "de",
    "ITALIAN": "it",
    "DUTCH": "nl",
    "INDONESIAN": "id",
    "MALAY": "ms",
    "TAGALOG": "tl",
    "TURKISH": "tr",
    "VIETNAMESE": "vi",
    "SWAHILI": "sw",
    "URDU": "ur",
    "ARABIC": "ar",
    "PERSIAN": "fa",
    "RUSSIAN": "ru",
    "UKRAINIAN": "uk",
    "BULGARIAN": "bg",
    "KAZAKH": "kk",
}
_MAX_CHARS = 2000  # the opening of a post is enough to tell its language; bounds the cost on huge inputs


class _Knowledge:
    def __init__(self) -> None:
        scripts: dict[str, Any] = load("scripts.yaml")
        self.ranges: list[tuple[int, int, str]] = []
        self.language: dict[str, str] = {}
        self.candidates: dict[str, list[str]] = {}
        for entry in scripts["scripts"]:
            name = str(entry["name"])
            for lo, hi in entry["ranges"]:
                self.ranges.append((int(lo), int(hi), name))
            self.language[name] = str(entry["language"])
            if entry.get("candidates"):
                self.candidates[name] = [str(c) for c in entry["candidates"]]
        self.candidates["Latin"] = [str(c) for c in scripts["latin_candidates"]]
        words: dict[str, Any] = load("language_words.yaml")
        self.english = frozenset(str(w) for w in words["english"]["words"])
        self.hinglish = frozenset(str(w) for w in words["hinglish"]["words"]) - self.english
        self.names = sorted({name for _, _, name in self.ranges})
        self.table = _ScriptTable(self)

    def script_of(self, ch: str) -> str | None:
        if not ch.isalpha():
            return None
        cp = ord(ch)
        for lo, hi, name in self.ranges:
            if lo <= cp <= hi:
                return name
        return None


class _ScriptTable(dict[int, str | None]):
    """str.translate table: a letter -> one code character naming its script; anything else is deleted.

    Translating a post gives a short string whose character counts are the letters per script, at C speed."""

    def __init__(self, kb: _Knowledge) -> None:
        super().__init__()
        self._kb = kb

    def __missing__(self, cp: int) -> str | None:
        script = self._kb.script_of(chr(cp))
        code = chr(0x41 + self._kb.names.index(script)) if script is not None else None
        if len(self) < 50_000:
            self[cp] = code
        return code


@lru_cache(maxsize=1)
def _knowledge() -> _Knowledge:
    return _Knowledge()


@lru_cache(maxsize=8)
def _lingua(candidates: tuple[str, ...]) -> Any:
    from lingua import Language, LanguageDetectorBuilder

    langs = [getattr(Language, c) for c in candidates]
    return LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()


def _lingua_detect(text: str, candidates: list[str]) -> str | None:
    result = _lingua(tuple(candidates)).detect_language_of(text)
    if result is None:
        return None
    return _LINGUA_CODES.get(result.name, result.name.lower())


def dominant_script(text: str) -> str | None:
    """The script with the most letters in ``text`` (Latin, Devanagari, Bengali, ...), or None without letters."""
    kb = _knowledge()
    text = text[:_MAX_CHARS]
    if text.isascii():
        return "Latin" if any(c.isalpha() for c in text) else None
    codes = text.translate(kb.table)
    if not codes:
        return None
    code = Counter(codes).most_common(1)[0][0]
    return kb.names[ord(code) - 0x41]


def detect(text: str) -> str | None:
    """Return a language code ("en", "hi", "hi-Latn", "bn", ...) for ``text``, or None when it cannot tell."""
    kb = _knowledge()
    text = text[:_MAX_CHARS]
    script = dominant_script(text)
    if script is None:
        return None
    lang = kb.language.get(script)
    if lang is None:
        return None
    if lang == "latin":
        return _detect_latin(text, kb)
    if lang == "lingua":
        return _lingua_detect(text, kb.candidates[script])
    return lang


def _detect_latin(text: str, kb: _Knowledge) -> str | None:
    words = _WORD.findall(text.lower())
    if not words:
        return None
    n_hi = 0
    n_en = 0
    for w in words:
        if w in kb.hinglish:
            n_hi += 1
        elif w in kb.english:
            n_en += 1
    # Hinglish posts are full of English content words; a few Hindi function words are the tell.
    if n_hi >= 2 and n_hi * 3 >= n_en:
        return "hi-Latn"
    if n_en >= 2 or (n_en >= 1 and len(words) <= 4):
        return "en"
    if n_hi >= 1 and n_en == 0:
        return "hi-Latn"
    return _lingua_detect(text, kb.candidates["Latin"])
