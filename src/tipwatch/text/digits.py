"""The digit view: the normalized text with every way of writing a digit turned into an ASCII digit.

Built on :func:`tipwatch.text.normalize.normalize` (NFKC already folds fullwidth, mathematical and circled digits),
then, in one pass of edits with offsets kept:

* decimal digits of every script (Devanagari, Bengali, Gurmukhi, Gujarati, Tamil, Telugu, Kannada, Malayalam, Odia,
  Arabic-Indic and Extended Arabic-Indic ...) and dingbat digits (❾) -> 0-9, through Unicode's own digit property;
* emoji keycaps (1️⃣, 🔟) -> the digit (the keycap mark is folded into the digit's span);
* spelled-out digits inside a run of number tokens (English, Hindi in Devanagari and romanized, Bengali), with
  "double"/"triple" multipliers (data file ``number_words.yaml``);
* look-alike letters with a digit on both sides ("98O45" -> 98045; data file ``lookalikes.yaml``).

Separators (spaces, dashes, dots, underscores, emoji) are kept in the view; :func:`digit_runs` groups digits across
them, so a caller can try "9 8 4 - 5 6 7" or "98.45.67" as one number without gluing unrelated numbers together.
Each output character carries flag bits (``DigitView.flags``) telling how its digit was written, so a caller can
tell a plain number from a disguised one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import ahocorasick

from tipwatch.text.data import load
from tipwatch.text.normalize import Normalized, normalize

# Flag bits per output character of a DigitView.
NATIVE = 1  # digit of another script (Devanagari, Bengali, Arabic-Indic ...): ordinary writing, not a disguise
STYLED = 2  # fullwidth, mathematical, circled, dingbat digit: a disguise
KEYCAP = 4  # emoji keycap digit
WORD = 8  # spelled-out digit or multiplier
LOOKALIKE = 16  # letter standing for a digit
DISGUISED = STYLED | KEYCAP | WORD | LOOKALIKE


@dataclass(slots=True)
class DigitView(Normalized):
    """A Normalized text in which digits are ASCII; ``flags[i]`` holds the flag bits of output character i."""

    flags: bytearray = field(default_factory=bytearray)

    def disguised(self, start: int, end: int) -> bool:
        """True if any digit in the view span [start, end) was written in a disguised form."""
        return any(f & DISGUISED for f in self.flags[start:end])


@dataclass(slots=True, frozen=True)
class DigitRun:
    """Digit groups in a view joined by short separators: ``groups`` are view spans, ``seps`` the text between."""

    groups: tuple[tuple[int, int], ...]
    seps: tuple[str, ...]
    plus: bool  # a "+" stands right before the first group

    def digits(self, view: str, first: int = 0, last: int | None = None) -> str:
        """The digits of groups first..last (inclusive) concatenated."""
        last = len(self.groups) - 1 if last is None else last
        return "".join(view[a:b] for a, b in self.groups[first : last + 1])


class _DigitTable(dict[int, int]):
    """str.translate table: code point of any non-ASCII decimal/digit character -> ASCII digit (None = keep)."""

    def __missing__(self, cp: int) -> int:
        ch = chr(cp)
        d = unicodedata.digit(ch, None) if cp > 0x7F else None
        value = (0x30 + d) if d is not None else cp
        if len(self) < 100_000:
            self[cp] = value
        return value


_DIGITS = _DigitTable()

# Characters the digit table changes or the keycap handling needs: non-ASCII characters that are decimal digits
# (\d is Unicode-wide), enclosed and dingbat digits NFKC leaves alone, the keycap mark and 🔟. The pattern starts
# with the non-ASCII class (a fast scan) and checks the rest by lookbehind.
_SPECIAL = re.compile(r"[^\x00-\x7f](?:(?<=\d)|(?<=[\u2460-\u24ff\u2776-\u2793\u20e3\U0001f51f]))")
_KEYCAP = "\u20e3"
_KEYCAP_TEN = "\U0001f51f"  # 🔟

# Separator between digit groups of one run: 1-4 characters that are neither letters nor digits, nor ",:" (which
# separate numbers in lists, prices and times), or underscores.
# A comma joins only one-digit groups ("9, 8, 4, 5 ..." as spelled-out digits are often listed): between longer groups
# it separates numbers ("9845012345, 9845054321", "5,000").
_RUN = re.compile(r"[0-9]+(?:(?:[^\w:]|_){1,4}[0-9]+)*")  # starts with a digit: the engine skips to digits fast
_GROUP = re.compile(r"[0-9]+")
_HAS_DIGIT = re.compile(r"[0-9]").search
_GAP_OK = re.compile(r"(?:[^\w:]|_){0,4}")
_ASCII_LETTERS = re.compile(r"[a-z]+")
_TOKEN_FROM_DIGIT = re.compile(r"[0-9][^\W_]*")  # a token from its first digit on (starts with a digit: fast scan)
_ASCII_TOKEN_CHAR = re.compile(r"[^\W_]")  # a letter or digit of a token (Greek/Cyrillic look-alikes too)
# A token of at least this many digits may carry look-alike letters at its edges ("six39856two23O"); fewer, and the
# letters are more likely a unit or a word ("2000s", "4G").
_EDGE_LOOKALIKE_MIN_DIGITS = 5


def _is_letter(ch: str) -> bool:
    """Letters and combining marks (Indic vowel signs are marks, not letters, for ``str.isalpha``)."""
    return ch.isalpha() or (not ch.isascii() and unicodedata.category(ch)[0] == "M")


@dataclass(slots=True, frozen=True)
class _Word:
    digit: str  # "" for a multiplier; two characters for "seventeen", "ninety"
    count: int  # multiplier count (1 for digits)
    ambiguous: bool
    tens: bool = False  # "twenty".."ninety": joins a following unit word ("ninety eight" -> 98)


class _Knowledge:
    def __init__(self) -> None:
        data: dict[str, Any] = load("number_words.yaml")
        self.words: dict[str, _Word] = {}
        for entry in data["digits"]:
            for w in entry["words"]:
                key = normalize(str(w)).text
                self.words[key] = _Word(
                    str(entry["digit"]), 1, bool(entry.get("ambiguous", False)), bool(entry.get("tens", False))
                )
        for entry in data["multipliers"]:
            for w in entry["words"]:
                self.words[normalize(str(w)).text] = _Word("", int(entry["count"]), False)
        self.automaton = ahocorasick.Automaton()
        for key in self.words:
            self.automaton.add_word(key, key)
        self.automaton.make_automaton()
        looks: dict[str, str] = {}
        for entry in load("lookalikes.yaml")["letters"]:
            for ch in entry["chars"]:
                looks[ch] = str(entry["digit"])
        self.lookalikes = looks
        folded = sorted({normalize(c).text for c in looks if normalize(c).text})
        # group 1 is the letters; the pattern starts with the digit before them so the engine can skip to digits
        letters = "[" + re.escape("".join(folded)) + "]{1,3}"
        self.lookalike_re = re.compile(f"[0-9]({letters})(?=[0-9])")
        # at the edge of a token: before its first digit, or after its last one
        self.edge_lookalike_re = re.compile(f"(?<![a-z])({letters})(?=[0-9])|(?<=[0-9])({letters})(?![a-z])")
        # a whole phone-length token of digits and look-alikes ("BI7B4I2IBS"), checked further in code
        self.lookalike_token_re = re.compile("[0-9" + re.escape("".join(folded)) + "]{7,}")
        # is there a look-alike letter touching a digit at all? (starts with a digit: one fast scan)
        cls = "[" + re.escape("".join(folded)) + "]"
        self.lookalike_hint = re.compile(f"[0-9](?:(?={cls})|(?<={cls}[0-9]))")
        # a look-alike standing alone between spaced digits ("4 5 O 1 2"): group 1
        self.lookalike_alone_re = re.compile(f"[0-9][ .\\-]({cls}{{1,2}})(?=[ .\\-][0-9])")


@lru_cache(maxsize=1)
def _knowledge() -> _Knowledge:
    return _Knowledge()


def _segment(text: str, ls: int, le: int, at: dict[int, list[tuple[int, str]]]) -> list[tuple[int, int]] | None:
    """Split the letter run text[ls:le] wholly into number words ("sixseven", "zerofor"), fewest pieces first."""
    best: dict[int, tuple[int, int]] = {ls: (0, -1)}  # position -> (pieces, previous position)
    for pos in range(ls, le):
        if pos not in best:
            continue
        for end, _key in at.get(pos, ()):
            if end <= le and (end not in best or best[end][0] > best[pos][0] + 1):
                best[end] = (best[pos][0] + 1, pos)
    if le not in best:
        return None
    pieces: list[tuple[int, int]] = []
    pos = le
    while pos != ls:
        prev = best[pos][1]
        pieces.append((prev, pos))
        pos = prev
    return pieces[::-1]


def _number_word_edits(text: str, kb: _Knowledge) -> list[tuple[int, int, str, int]]:
    """Edits (start, end, replacement, flag) turning spelled-out digits in number runs into digits."""
    # (start, end, word, glued): glued = one of several number words written as one token ("2sixseven")
    matches: list[tuple[int, int, _Word, bool]] = []
    glued_at: dict[int, list[tuple[int, str]]] = {}
    n = len(text)
    for end_idx, key in kb.automaton.iter(text):
        # whole words only; digits count as boundaries ("nine8four")
        start = end_idx - len(key) + 1
        before = text[start - 1] if start > 0 else " "
        after = text[end_idx + 1] if end_idx + 1 < n else " "
        # (isalpha first: the common case; _is_letter adds the Indic vowel signs, never ASCII)
        if (
            before.isalpha()
            or after.isalpha()
            or (not before.isascii() and _is_letter(before))
            or (not after.isascii() and _is_letter(after))
        ):
            if key.isascii():
                glued_at.setdefault(start, []).append((end_idx + 1, key))
            continue
        matches.append((start, end_idx + 1, kb.words[key], False))
    if len(glued_at) < 2:
        glued_at = {}  # glued number words come at least two to a token ("sixseven", "zerofor")
    if glued_at:
        # Number words written together ("sixseven", "zerofor", "seventeen"): a letter run that splits wholly into
        # number words is read as those words; "someone", "often", "tonight" do not split and stay words.
        # A split must start where the run starts and end where it ends: try only runs with number words at both.
        ends = {e for lst in glued_at.values() for e, _ in lst}
        for ls in glued_at:
            if ls > 0 and "a" <= text[ls - 1] <= "z":
                continue
            le = _ASCII_LETTERS.match(text, ls)
            if le is None or le.end() not in ends:
                continue
            pieces = _segment(text, ls, le.end(), glued_at)
            if pieces:
                matches.extend((a, b, kb.words[text[a:b]], True) for a, b in pieces)
    if not matches:
        return []
    # Longest match first at each position, then no overlaps.
    matches.sort(key=lambda m: (m[0], m[0] - m[1]))
    found: list[tuple[int, int, _Word, bool]] = []
    for m in matches:
        if not found or m[0] >= found[-1][1]:
            found.append(m)
    # An everyday word ("to", "for") with no number word or digit next to it cannot be part of a run: drop it
    # before building runs (most prose hits end here).
    found = [f for k, f in enumerate(found) if not f[2].ambiguous or f[3] or _has_neighbour(text, found, k)]
    if not found:
        return []
    strong = sum(1 for _, _, w, glued in found if glued or not w.ambiguous)
    if (len(found) < 3 or (strong == 0 and len(found) < 7)) and not any(
        _HAS_DIGIT(text, max(0, s - 5), s) or _HAS_DIGIT(text, e, e + 5) for s, e, _, _ in found
    ):
        return []  # too few number words ("to", "for" in prose) and none next to a digit: no run can qualify
    # Tokens in order: number words and digit groups; runs are tokens joined by short separators.
    tokens: list[tuple[int, int, _Word | None, bool]] = list(found)
    tokens.extend((m.start(), m.end(), None, False) for m in _GROUP.finditer(text))
    tokens.sort(key=lambda t: t[0])
    edits: list[tuple[int, int, str, int]] = []
    run: list[tuple[int, int, _Word | None, bool]] = []
    has_word = False  # runs of digit groups alone have nothing to convert
    for tok in tokens:
        if run and not _GAP_OK.fullmatch(text, run[-1][1], tok[0]):
            if has_word:
                edits.extend(_convert_run(run, text))
            run = []
            has_word = False
        run.append(tok)
        has_word = has_word or tok[2] is not None
    if run and has_word:
        edits.extend(_convert_run(run, text))
    return edits


def _has_neighbour(text: str, found: list[tuple[int, int, _Word, bool]], k: int) -> bool:
    """A digit or another number word within a run gap of found[k]."""
    s, e = found[k][0], found[k][1]
    if _HAS_DIGIT(text, max(0, s - 5), s) or _HAS_DIGIT(text, e, e + 5):
        return True
    if k > 0 and _GAP_OK.fullmatch(text, found[k - 1][1], s):
        return True
    return k + 1 < len(found) and bool(_GAP_OK.fullmatch(text, e, found[k + 1][0]))


def _convert_run(run: list[tuple[int, int, _Word | None, bool]], text: str) -> list[tuple[int, int, str, int]]:
    words = [(w, glued) for _, _, w, glued in run if w is not None]
    if not words:
        return []
    # Everyday words ("do", "for", "to") count as evidence only when glued to other number words or digits.
    strong = sum(1 for w, glued in words if glued or not w.ambiguous)
    n_digits = sum(e - s for s, e, w, _ in run if w is None) + sum(len(w.digit) or w.count - 1 for w, _ in words)
    # A run shorter than a phone number is read only if every word in it is unambiguous ("triple 7 double five"):
    # "for two to three hours" stays prose.
    if n_digits < 7 and not (len(words) >= 3 and strong == len(words)):
        return []
    if not (strong >= 1 or len(words) >= 3):
        # One everyday word between two digit groups of a phone-length run is a digit too ("82205 oh 3661");
        # shorter pairs ("18 to 25", "500 to 1000") stay ranges.
        sandwiched = any(
            w is not None and 0 < i < len(run) - 1 and run[i - 1][2] is None and run[i + 1][2] is None
            for i, (_, _, w, _) in enumerate(run)
        )
        if not (sandwiched and n_digits >= 10):
            return []
    edits: list[tuple[int, int, str, int]] = []
    for i, (s, e, w, _) in enumerate(run):
        if w is None:
            continue
        nxt = run[i + 1] if i + 1 < len(run) else None
        if w.count > 1:
            # The multiplier repeats the single digit that follows it: "double five" -> "5" + " " + "5".
            digit = ""
            if nxt is not None:
                nw = nxt[2]
                if nw is not None and len(nw.digit) == 1:
                    digit = nw.digit
                elif nw is None and nxt[1] - nxt[0] == 1:
                    digit = text[nxt[0]]
            if digit:
                edits.append((s, e, digit * (w.count - 1), WORD))
            continue
        unit_next = nxt is not None and nxt[2] is not None and len(nxt[2].digit) == 1 and nxt[2].digit != "0"
        if w.tens and unit_next and nxt is not None and text[e : nxt[0]] in ("", " ", "-"):
            edits.append((s, e, w.digit[0], WORD))  # "ninety eight": 9, then the unit word gives 8
            continue
        edits.append((s, e, w.digit, WORD))
    return edits


def digit_view(text: str) -> DigitView:
    """Return the digit view of ``text`` (see the module docstring), with offsets into ``text``."""
    n = normalize(text)
    return digit_view_of(n)


def digit_view_of(n: Normalized) -> DigitView:
    """The digit view built on an existing normalization (callers that already normalized avoid doing it twice)."""
    kb = _knowledge()
    t = n.text
    original = n.original
    flags = bytearray(len(t))
    edits: list[tuple[int, int, str, int]] = []
    if not t.isascii() and _SPECIAL.search(t):
        translated = t.translate(_DIGITS)
        for m in _SPECIAL.finditer(t):
            k = m.start()
            ch = t[k]
            if ch == _KEYCAP:
                edits.append((k, k + 1, "", KEYCAP))
            elif ch == _KEYCAP_TEN:
                edits.append((k, k + 1, "10", KEYCAP))
            elif translated[k] != ch:
                flags[k] = NATIVE if unicodedata.category(ch) == "Nd" else STYLED
        t = translated
    if not original.isascii():
        # NFKC already turned fullwidth/mathematical/circled digits into ASCII: flag them from the original.
        starts, ends = n.starts, n.ends
        for m in _GROUP.finditer(t):
            a, b = m.span()
            if ends[b - 1] - starts[a] == b - a and original[starts[a] : ends[b - 1]] == t[a:b]:
                continue  # written in plain ASCII digits
            for k in range(a, b):
                if flags[k] == 0 and not ("0" <= original[starts[k]] <= "9"):
                    flags[k] = STYLED
    # Keycap digits: "1" followed by the (removed) keycap mark is a keycap digit.
    for s, _e, rep, f in edits:
        if f == KEYCAP and not rep and s > 0 and "0" <= t[s - 1] <= "9":
            flags[s - 1] |= KEYCAP
    # Look-alike letters between digits, and at the edges of long digit tokens.
    alone = [m.span(1) for m in kb.lookalike_alone_re.finditer(t)] if _HAS_DIGIT(t) else []
    if alone or kb.lookalike_hint.search(t):
        spans: list[tuple[int, int]] = list(alone)
        # Only tokens that mix digits and ASCII letters can hold look-alikes: find them from their digit groups
        # (a fast scan) rather than running the letter patterns over the whole text.
        for lo, hi in _mixed_tokens(t):
            spans.extend(m.span(1) for m in kb.lookalike_re.finditer(t, lo, hi))
            digits = sum(1 for c in t[lo:hi] if "0" <= c <= "9")
            if digits >= _EDGE_LOOKALIKE_MIN_DIGITS or (digits and _between_groups(t, lo, hi)):
                for m in kb.edge_lookalike_re.finditer(t, lo, hi):
                    spans.append(m.span(1) if m.group(1) else m.span(2))
            m2 = kb.lookalike_token_re.fullmatch(t, lo, hi)
            if m2 is not None:
                spans.extend(_lookalike_token(t, lo, hi))
        spans = sorted(set(spans))
        for a, b in spans:
            chars = [original[n.starts[k]] if n.ends[k] - n.starts[k] == 1 else "" for k in range(a, b)]
            if not all(c in kb.lookalikes for c in chars):
                continue  # the letters as written must all be look-alikes ("b" is 6 but "B" is 8)
            for k, src in zip(range(a, b), chars, strict=True):
                edits.append((k, k + 1, kb.lookalikes[src], LOOKALIKE))
    looks = [(k, rep) for k, _e, rep, f in edits if f == LOOKALIKE]
    if looks:
        # number-word runs see look-alikes as the digits they are ("2four0-I3I7"): same length, same offsets
        chars = list(t)
        for k, rep in looks:
            chars[k] = rep
        edits.extend(_number_word_edits("".join(chars), kb))
    else:
        edits.extend(_number_word_edits(t, kb))
    if not edits:
        return DigitView(original, t, n.starts, n.ends, flags)
    return _apply(n, t, flags, edits)


_LETTER_BLOCK = re.compile(r"[^0-9]+")


def _lookalike_token(t: str, a: int, b: int) -> list[tuple[int, int]]:
    """Letter blocks of a phone-length token written in digits and look-alike letters ("BI7B4I2IBS").

    t[a:b] is a whole token (no letter or digit around it); it needs at least two digits; a block at either edge is
    at most three letters and inner blocks at most eight, so "BOOBS123" or "solo2024" stay words."""
    blocks = [m.span() for m in _LETTER_BLOCK.finditer(t, a, b)]
    if not blocks or (b - a) - sum(e - s for s, e in blocks) < 2:
        return []
    for s, e in blocks:
        edge = s == a or e == b
        if e - s > (3 if edge else 8):
            return []
    return blocks


# a neighbouring token with a digit in it (itself perhaps still disguised: "2four0-I3I7", "24o l3l7")
_GROUP_BEFORE = re.compile(r"[0-9][^\W_]*[ .\-]{1,2}$")
_GROUP_AFTER = re.compile(r"[ .\-]{1,2}[^\W_]*[0-9]")


def _between_groups(t: str, lo: int, hi: int) -> bool:
    """A short token next to another token with digits ("98 45 O1 23 45", "9845-O12-345", "2four0-I3I7")."""
    return bool(_GROUP_BEFORE.search(t, max(0, lo - 24), lo) or _GROUP_AFTER.match(t, hi, hi + 24))


def _mixed_tokens(t: str) -> list[tuple[int, int]]:
    """Spans of the tokens that hold digits and at least one letter ("98o45", "b4205926s2")."""
    out: list[tuple[int, int]] = []
    for m in _TOKEN_FROM_DIGIT.finditer(t):
        a, b = m.span()
        lo = a
        while lo > 0 and t[lo - 1].isalnum():
            lo -= 1
        if lo == a and m.group().isdigit():
            continue  # digits only
        out.append((lo, b))
    return out


def _apply(n: Normalized, t: str, flags: bytearray, edits: list[tuple[int, int, str, int]]) -> DigitView:
    edits.sort(key=lambda e: (e[0], e[1]))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    new_flags = bytearray()
    pos = 0
    for s, e, rep, f in edits:
        if s < pos:  # overlapping edit (cannot normally happen): the first one wins
            continue
        out.append(t[pos:s])
        starts.extend(n.starts[pos:s])
        ends.extend(n.ends[pos:s])
        new_flags.extend(flags[pos:s])
        if rep:
            o_start, o_end = n.starts[s], n.ends[e - 1]
            out.append(rep)
            starts.extend([o_start] * len(rep))
            ends.extend([o_end] * len(rep))
            new_flags.extend([f] * len(rep))
        elif ends and s > 0:
            # A removed keycap mark: the digit before it now spans the mark too.
            ends[-1] = max(ends[-1], n.ends[e - 1])
        pos = e
    out.append(t[pos:])
    starts.extend(n.starts[pos:])
    ends.extend(n.ends[pos:])
    new_flags.extend(flags[pos:])
    return DigitView(n.original, "".join(out), starts, ends, new_flags)


def digit_runs(view: DigitView | str, *, min_digits: int = 1) -> list[DigitRun]:
    """Runs of digit groups joined by short separators ("98450 12345", "9 8 4 - 5 6 7", "98.45_67", "98🔥45")."""
    text = view if isinstance(view, str) else view.text
    runs: list[DigitRun] = []
    for m in _RUN.finditer(text):
        if m.end() - m.start() < min_digits:  # fewer characters than digits wanted: cannot qualify
            continue
        all_groups = [(g.start(), g.end()) for g in _GROUP.finditer(text, m.start(), m.end())]
        if "," not in m.group():
            _add_run(text, tuple(all_groups), min_digits, runs)
            continue
        # split at commas, except between one-digit groups
        first = 0
        for i in range(1, len(all_groups) + 1):
            if i < len(all_groups):
                sep = text[all_groups[i - 1][1] : all_groups[i][0]]
                single = all_groups[i - 1][1] - all_groups[i - 1][0] == 1 and all_groups[i][1] - all_groups[i][0] == 1
                if "," not in sep or single:
                    continue
            _add_run(text, tuple(all_groups[first:i]), min_digits, runs)
            first = i
    return runs


def _add_run(text: str, groups: tuple[tuple[int, int], ...], min_digits: int, runs: list[DigitRun]) -> None:
    total = sum(b - a for a, b in groups)
    if total < min_digits:
        return
    seps = tuple(text[groups[i][1] : groups[i + 1][0]] for i in range(len(groups) - 1))
    a = groups[0][0]
    plus = (a >= 1 and text[a - 1] == "+") or (a >= 2 and text[a - 2 : a] == "+ ")
    runs.append(DigitRun(groups, seps, plus))
