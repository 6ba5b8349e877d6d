"""Make field text safe to store and match: no control characters, no lone surrogates, one newline style."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 control characters except TAB and LF (CR is turned into LF first), DEL, the noncharacters U+FFFE/U+FFFF
# and a stray BOM (U+FEFF inside text is never meaningful). Format characters such as ZWJ/ZWNJ and RTL marks are
# kept: ZWJ/ZWNJ change how Devanagari and Bengali are written and emoji are joined; text/normalize.py ignores them
# when matching. One character class: a C-level scan finds nothing to do in almost every field.
_DROP = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ufffe\uffff]")
_LINE_SEPARATORS = re.compile("[\u2028\u2029]")  # line and paragraph separators are line breaks
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Control characters removed (newlines and tabs kept, CR/CRLF become LF), lone surrogates -> U+FFFD, NFC."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _DROP.sub("", text)
    if not text.isascii():
        text = _LINE_SEPARATORS.sub("\n", text)
        # Lone surrogates come from "\ud800" JSON escapes and surrogateescape'd bytes; they cannot be encoded.
        text = _SURROGATES.sub("\ufffd", text)
        # NFC only composes (e + combining acute -> é); it never changes what a reader sees.
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    return text


def one_line(text: str) -> str:
    """All whitespace runs (newlines included) collapsed to one space, ends stripped: for titles and places."""
    return " ".join(text.split())  # str.split() uses the same whitespace test as \s, in C
