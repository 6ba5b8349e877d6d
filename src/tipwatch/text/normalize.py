"""Normalize text for matching while keeping, for every output character, the span it came from.

First version (the contract): NFKC per character, case folding, format characters (zero-width joiners, bidi
marks) removed, whitespace runs collapsed to one space. Digit de-obfuscation builds on this.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(slots=True)
class Normalized:
    """A normalized text plus, per output character, the [start, end) span of the original it came from."""

    original: str
    text: str
    starts: list[int]
    ends: list[int]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalized text to the original text."""
        if not self.text:
            return (0, 0)
        start = max(0, min(start, len(self.text) - 1))
        end = max(start + 1, min(end, len(self.text)))
        return self.starts[start], self.ends[end - 1]


def normalize(text: str, *, fold_case: bool = True) -> Normalized:
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    prev_space = True
    for i, ch in enumerate(text):
        if ch.isascii():
            piece = ch
        else:
            if unicodedata.category(ch) == "Cf":
                continue
            piece = unicodedata.normalize("NFKC", ch)
        if fold_case:
            piece = piece.casefold()
        for c in piece:
            if c.isspace():
                if prev_space:
                    continue
                c = " "
                prev_space = True
            else:
                prev_space = False
            out.append(c)
            starts.append(i)
            ends.append(i + 1)
    if out and out[-1] == " ":
        out.pop()
        starts.pop()
        ends.pop()
    return Normalized(text, "".join(out), starts, ends)
