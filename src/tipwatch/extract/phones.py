"""Phone numbers, plain and disguised, validated by ``phonenumbers`` (Google's libphonenumber metadata).

Our own candidate finder works on the digit view (every digit form, spelled-out and look-alike digits already
turned into ASCII) and its digit runs (groups joined by spaces, dashes, dots, underscores, emoji). In each run it
tries the longest stretch of whole groups first, so "Rs 5000 9845012345" yields the phone and not 14 digits.
Cheap checks come before ``phonenumbers.parse``: digit count, the region's national number pattern from the same
metadata, and context that makes a number a price, a date, a time, an age, a PIN code or an order number.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata

from tipwatch.extract.context import Context, word_tree
from tipwatch.extract.data import load
from tipwatch.model import Identifier
from tipwatch.text.digits import DigitRun, DigitView, digit_runs

_MIN_DIGITS = 7
_MAX_DIGITS = 17  # "00" + 15-digit E.164
_MAX_GROUPS = 16
_DATE_SEPS = frozenset({"/", "-", ".", " / ", " - ", " . "})
_NORMAL_SEP = re.compile(r" ?[-(). ]? ?|\) ?|\) ?- ?| ?\(")


@dataclass(slots=True, frozen=True)
class _Knowledge:
    before_not: re.Pattern[str]
    after_not: re.Pattern[str]
    apps: list[tuple[re.Pattern[str], str]]
    any_app: re.Pattern[str]  # matches where one of ``apps`` does: most numbers have no app word before them


@lru_cache(maxsize=1)
def _knowledge() -> _Knowledge:
    ctx = load("numbers_context.yaml")
    money = load("money.yaml")
    currency_before: list[str] = []
    currency_after: list[str] = []
    for cur in money["currencies"]:
        currency_before += cur["before"]
        currency_after += cur["after"]
    units = [w for u in money["units"] for w in u["words"]]
    mults = [w for m in money["multipliers"] for w in m["words"]]
    before = word_tree([*ctx["not_phone_before"]["words"], *currency_before])
    marked = ctx["not_phone_before_with_marker"]
    marked_words = word_tree(marked["words"])
    markers = word_tree(marked["markers"])
    # Emoji price codes (🌹) decorate phone numbers as often as they price anything: only words and currency signs
    # after a number make it an amount.
    currency_after = [w for w in currency_after if not all(unicodedata.category(c) == "So" for c in str(w))]
    tariff = ctx["not_phone_after"]["tariff"]["words"]
    after = word_tree([*ctx["not_phone_after"]["words"], *tariff, *currency_after, *mults])
    unit_alt = word_tree(units)
    app_re = r"(?<![^\W_])(?:{})(?![^\W_])[^0-9]{{0,12}}$"
    apps = [
        (re.compile(app_re.format(word_tree(words))), str(app))
        for app, words in ctx["messaging_before"]["apps"].items()
    ]
    all_app_words = [w for words in ctx["messaging_before"]["apps"].values() for w in words]
    return _Knowledge(
        # the keyword ends right before the number (spaces, ":", "-", "#", "." may sit between)
        before_not=re.compile(
            rf"(?<![^\W_])(?:(?:{before})\s?(?:no\.?|number|num|#)?|(?:{marked_words})\s?(?:{markers}))\s?[:=.#-]?\s?$"
        ),
        after_not=re.compile(rf"\s?(?:(?:{after})(?![^\W_])|/\s?-|\s?(?:/|per)\s?(?:{unit_alt})(?![^\W_]))"),
        apps=apps,
        any_app=re.compile(app_re.format(word_tree(all_app_words))),
    )


@lru_cache(maxsize=64)
def _national_pattern(region: str) -> re.Pattern[str] | None:
    md = PhoneMetadata.metadata_for_region(region)
    if md is None or md.general_desc is None or md.general_desc.national_number_pattern is None:
        return None
    return re.compile(md.general_desc.national_number_pattern)


@lru_cache(maxsize=64)
def _region_prefixes(region: str) -> tuple[str, str, str]:
    """(country code, national prefix, international prefix) of a region, e.g. ("91", "0", "00") for IN."""
    md = PhoneMetadata.metadata_for_region(region)
    if md is None:
        return "", "", "00"
    intl = md.international_prefix or "00"
    if not intl.isdigit():
        intl = md.preferred_international_prefix or "00"
    return str(md.country_code or ""), md.national_prefix or "", intl if intl.isdigit() else "00"


def _plausible(digits: str, plus: bool, region: str) -> bool:
    """Cheap pre-check before phonenumbers: could these digits be a number at all?"""
    n = len(digits)
    if n < _MIN_DIGITS or n > _MAX_DIGITS:
        return False
    cc, nat_prefix, intl = _region_prefixes(region)
    if plus or digits.startswith(intl):
        rest = digits if plus else digits[len(intl) :]
        for k in (1, 2, 3):
            code = rest[:k]
            if code.isdigit() and int(code) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[int(code)]
                pat = _national_pattern(regions[0])
                if pat is None or pat.fullmatch(rest[k:]):
                    return True
                if len(regions) > 1 and regions[0] != "001":
                    return True  # shared codes (+1, +7, +44 ...): let phonenumbers decide
        return False
    pat = _national_pattern(region)
    if pat is None:
        return True
    national = digits[len(nat_prefix) :] if nat_prefix and digits.startswith(nat_prefix) else digits
    if pat.fullmatch(national):
        return True
    # national number written with the country code but no "+" ("919845012345")
    return bool(cc) and digits.startswith(cc) and bool(pat.fullmatch(digits[len(cc) :]))


@lru_cache(maxsize=65536)  # numbers repeat across the posts of one operation: validate each once
def _validate(digits: str, plus: bool, region: str) -> str | None:
    try:
        num = phonenumbers.parse(("+" if plus else "") + digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def _is_date(run: DigitRun, view: DigitView, i: int, j: int) -> bool:
    if j - i != 2:
        return False
    seps = run.seps[i:j]
    if seps[0] != seps[1] or seps[0] not in _DATE_SEPS:
        return False
    # "98.45.01.23.45" is not a date: a date is three groups, not part of a longer chain with the same separator
    if (i > 0 and run.seps[i - 1] == seps[0]) or (j < len(run.seps) and run.seps[j] == seps[0]):
        return False
    a, b, c = (view.text[s:e] for s, e in run.groups[i : j + 1])
    if len(a) == 4 and len(b) <= 2 and len(c) <= 2:  # 2024-05-12
        date = 1 <= int(b) <= 12 and 1 <= int(c) <= 31
    elif len(a) <= 2 and len(b) <= 2 and len(c) in (2, 4):  # 12/05/2024, 05.12.24
        date = 1 <= int(a) <= 31 and 1 <= int(b) <= 31 and (int(a) <= 12 or int(b) <= 12)
    else:
        return False
    # dates are written in digits: "1928-four-three" is part of a disguised number
    return date and not view.disguised(run.groups[i][0], run.groups[j][1])


def _odd_separators(run: DigitRun, view: str, i: int, j: int) -> bool:
    """Separators or grouping no one uses to write a number plainly ("9 8 4 5", "98.45.67", "98🔥45")."""
    seps = run.seps[i:j]
    if any(not _NORMAL_SEP.fullmatch(s) for s in seps):
        return True
    sizes = [e - s for s, e in run.groups[i : j + 1]]
    if len(sizes) > 4:
        return True
    inner = sizes[1:] if run.plus and i == 0 else sizes  # "+1 ..." has a one-digit country code
    if any(k == 1 for k in inner):
        return True
    return any("." in s for s in seps) and min(sizes) <= 2


def _national_reading_inside(run: DigitRun, vt: str, i: int, j: int, digits: str, region: str) -> int | None:
    """For a stretch read as country code + number without "+" or "00" ("917334932924"), the last group of a shorter
    stretch from the same start that is a valid national number by itself, if any: "nine one seven ... 24x7" is the
    number 9173349329 followed by "24x7", not +91 7334932924."""
    cc, nat_prefix, intl = _region_prefixes(region)
    if not cc or not digits.startswith(cc) or digits.startswith(intl) or (nat_prefix and digits.startswith(nat_prefix)):
        return None
    pat = _national_pattern(region)
    if pat is None or pat.fullmatch(digits):
        return None
    for k in range(j - 1, i - 1, -1):
        shorter = run.digits(vt, i, k)
        if len(shorter) < _MIN_DIGITS:
            return None
        if pat.fullmatch(shorter) and _validate(shorter, False, region) is not None:
            return k
    return None


def _trimmed(run: DigitRun, vt: str, kb: _Knowledge) -> list[DigitRun]:
    """A number glued to a rate ("0871277810910p/min"): the run with 1-4 digits cut off its last group, each way.

    Only when the last group runs straight into a unit or currency word: those digits are the amount."""
    s, e = run.groups[-1]
    if e >= len(vt) or not vt[e].isalpha() or not kb.after_not.match(vt, e, e + 24):
        return []
    return [DigitRun((*run.groups[:-1], (s, e - k)), run.seps, run.plus) for k in range(1, 5) if e - k - s >= 3]


def find_phones(ctx: Context) -> list[Identifier]:
    kb = _knowledge()
    out: list[Identifier] = []
    for whole in digit_runs(ctx.digits, min_digits=_MIN_DIGITS):
        # A "+" starts another number ("13/02/2025 📞 +91 7229 ..."): a hard cut. A line break usually ends one
        # ("PIN 757759\n📞 8948-761-542"): the lines are read first, the run across them only for what is left
        # (a number wrapped onto the next line).
        for run in _cut(whole, ctx, plus=True):
            lines = _cut(run, ctx, plus=False)
            found: list[Identifier] = []
            for line in lines:
                found.extend(_scan_run_glued(line, ctx, kb))
            if len(lines) > 1:
                spans = [(q.start, q.end) for q in found]  # in reading order, never overlapping
                found.extend(p for p in _scan_run_glued(run, ctx, kb) if not _overlaps(spans, p.start, p.end))
                found.sort(key=lambda p: p.start)
            out.extend(found)
    # A phone's digits are not also an amount or an age ("98450 12345 🌹" is no price of 12345 roses): prices and
    # ages run after phones and skip claimed spans.
    for p in out:
        ctx.claim(p.start, p.end)
    return out


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Does [start, end) overlap one of ``spans`` (sorted, never overlapping each other)?"""
    i = bisect.bisect_left(spans, (end,))
    return i > 0 and spans[i - 1][1] > start


def _cut(run: DigitRun, ctx: Context, *, plus: bool) -> list[DigitRun]:
    """Cut a run before a "+" (``plus``) or at line breaks of the original text (not ``plus``)."""
    if not plus and "\n" not in ctx.text and "\r" not in ctx.text:
        return [run]  # one line: nothing to cut (the usual case, checked at C speed)
    if plus and not any("+" in sep for sep in run.seps):
        return [run]
    starts = ctx.digits.starts  # original offset of each view character (direct lookups: this runs per run)
    text = ctx.text
    if not plus:
        span = text[starts[run.groups[0][0]] : starts[run.groups[-1][1] - 1]]
        if "\n" not in span and "\r" not in span:
            return [run]
    cuts: list[int] = []
    for k, sep in enumerate(run.seps):
        if plus:
            if sep.rstrip().endswith("+"):
                cuts.append(k + 1)
            continue
        between = text[starts[run.groups[k][1]] : starts[run.groups[k + 1][0]]]
        if "\n" in between or "\r" in between:
            cuts.append(k + 1)
    if not cuts:
        return [run]
    out: list[DigitRun] = []
    prev = 0
    for c in [*cuts, len(run.groups)]:
        starts_plus = run.plus if prev == 0 else run.seps[prev - 1].rstrip().endswith("+")
        out.append(DigitRun(run.groups[prev:c], run.seps[prev : c - 1], starts_plus))
        prev = c
    return out


def _scan_run_glued(run: DigitRun, ctx: Context, kb: _Knowledge) -> list[Identifier]:
    """Scan a run; if its last group runs into a tariff and yields no number, scan it with that group trimmed."""
    view = ctx.digits
    found = _scan_run(run, ctx, kb)
    alts = _trimmed(run, view.text, kb)  # usually none (checked first: cheap)
    if alts and (not found or found[-1].end < view.to_original(*run.groups[-1])[1]):
        for alt in alts:
            more = _scan_run(alt, ctx, kb)
            spans = [(q.start, q.end) for q in found]
            more = [p for p in more if not _overlaps(spans, p.start, p.end)]
            if more:
                found.extend(more)
                break
    return found


def _scan_run(run: DigitRun, ctx: Context, kb: _Knowledge) -> list[Identifier]:
    view = ctx.digits
    vt = view.text
    out: list[Identifier] = []
    groups = run.groups
    i = 0
    while i < len(groups):
        matched = False
        # a "+" before the first group, or at the end of the separator before a later one ("... / +971 50 ...")
        plus = run.plus if i == 0 else run.seps[i - 1].rstrip().endswith("+")
        for j in range(min(len(groups) - 1, i + _MAX_GROUPS), i - 1, -1):
            digits = run.digits(vt, i, j)
            if len(digits) < _MIN_DIGITS:
                break
            if not _plausible(digits, plus, ctx.region):
                continue
            vs = groups[i][0]
            if plus:  # include the "+" (and the space the run pattern allows after it)
                vs -= 2 if vt[vs - 2 : vs] == "+ " else 1
            ve = groups[j][1]
            if kb.before_not.search(vt, max(0, vs - 24), vs) or kb.after_not.match(vt, ve, ve + 24):
                continue
            if any(_is_date(run, view, k, k + 2) for k in range(i, j - 1)):
                continue  # a date inside the stretch ("12.05.2024 10")
            start, end = view.to_original(vs, ve)
            if ctx.is_claimed(start, end):
                continue
            e164 = _validate(digits, plus, ctx.region)
            if e164 is None:
                continue
            if not plus:
                k = _national_reading_inside(run, vt, i, j, digits, ctx.region)
                if k is not None:
                    j, ve = k, groups[k][1]
                    digits = run.digits(vt, i, j)
                    start, end = view.to_original(vs, ve)
                    e164 = _validate(digits, False, ctx.region)
                    if e164 is None:
                        continue
            obfuscated = view.disguised(vs, ve) or _odd_separators(run, vt, i, j)
            attrs: dict[str, object] = {}
            lo = max(0, vs - 40)
            for app_re, app in kb.apps if kb.any_app.search(vt, lo, vs) else ():
                if app_re.search(vt, lo, vs):
                    attrs["platform"] = app
                    break
            out.append(
                Identifier(
                    "phone",
                    e164,
                    start,
                    end,
                    confidence=0.85 if obfuscated else 0.95,
                    obfuscated=obfuscated,
                    attrs=attrs,
                )
            )
            i = j + 1
            matched = True
            break
        if not matched:
            i += 1
    return out
