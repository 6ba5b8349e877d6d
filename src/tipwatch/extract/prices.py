"""Prices with currency and unit: "Rs 3000/hr", "₹3,500 per night", "5000/-", "150 roses", "৩০০০ টাকা", "$200/hr".

Matched on the digit view (native digits already ASCII, emoji kept), so emoji-heavy text does not break them.
A bare amount is a price only with a currency marker, or with an explicit per-unit ("2000/hr", "2000 per night"):
"2 hours" is a duration and "19 yrs" an age. The value reads ``"<amount> <CUR>[/<unit>]"``, e.g. "3500 INR/hour".
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from tipwatch.extract.context import Context, word_tree
from tipwatch.extract.data import load
from tipwatch.model import Identifier
from tipwatch.text.normalize import normalize


def _amount(k: int, *, after_marker: bool = False) -> str:
    # Starts with a plain [0-9] (the lookbehind comes after it) so that the regex engine can skip to digits fast.
    # Right after a currency or unit ("Rs.1500", "Rs1500", "hh-100") a letter or dot before the digit is fine; a free
    # amount must start a number ("1.5", "abc123" are not amounts).
    look = r"(?<![0-9][.,][0-9])" if after_marker else r"(?<![\w.,][0-9])"
    return (
        rf"(?P<amt{k}>[0-9]{look}(?:[0-9]{{0,2}}(?:,[0-9]{{2,3}})+(?:\.[0-9]{{1,2}})?"
        rf"|[0-9]{{0,8}}(?:\.[0-9]{{1,2}})?))"
    )


# How many units a rate is for ("2000 for 1 hr", "300/2hrs"): a small number or a word for one (money.yaml).
_COUNT = r"(?:(?P<cnt{{k}}>[1-9][0-9]?|{ones})\s?)?"


_WB = r"(?![^\W_])"  # no letter or digit right after
_HAS_DIGIT = re.compile(r"[0-9]").search


@dataclass(slots=True, frozen=True)
class _Knowledge:
    currency_first: re.Pattern[str]
    amount_first: re.Pattern[str]
    pre_amount_rev: re.Pattern[str]
    amount_tail: re.Pattern[str]
    tail_of_price: re.Pattern[str]
    currency_by_region: dict[str, str]
    before_code: dict[str, str]
    after_code: dict[str, str]
    unit_of: dict[str, str]
    factor_of: dict[str, int]
    rupee_by_region: dict[str, str]
    taka_words: frozenset[str]
    bd_cues: tuple[str, ...]


def _norm(w: object) -> str:
    return normalize(str(w)).text


def _first_chars(words: object) -> str:
    """The first characters of the normalized words, escaped for a regex character class."""
    firsts = {k[0] for k in (_norm(w) for w in words) if k}  # type: ignore[attr-defined]
    return "".join(re.escape(c) for c in sorted(firsts))


@lru_cache(maxsize=1)
def _knowledge() -> _Knowledge:
    data = load("money.yaml")
    before_code: dict[str, str] = {}
    after_code: dict[str, str] = {}
    for cur in data["currencies"]:
        for w in cur["before"]:
            before_code[_norm(w)] = str(cur["code"])
        for w in cur["after"]:
            after_code[_norm(w)] = str(cur["code"])
    unit_of = {_norm(w): str(u["unit"]) for u in data["units"] for w in u["words"]}
    factor_of = {_norm(w): int(m["factor"]) for m in data["multipliers"] for w in m["words"]}
    before = word_tree(before_code)
    after = word_tree(after_code)
    units = word_tree(unit_of)
    mults = word_tree(factor_of)
    conn = word_tree(data["unit_connectors"])

    count = _COUNT.format(ones=word_tree(data["unit_count_one"]["words"]))
    cues_after = word_tree(data["price_cues"]["after"])
    not_after = word_tree(data["not_amount_after"]["words"])
    no_duration = rf"(?!\s?(?:{not_after}){_WB})"

    # "/" connects without spaces ("3000/hr"); word connectors need a word boundary; a count may come first
    # ("for 1 hr", "/2hrs").
    def unit(k: int) -> str:
        return rf"(?:\s?/\s?|\s(?:{conn})\s|\s){count.format(k=k)}(?P<unit{k}>{units}){_WB}"

    def mult(k: int) -> str:
        return rf"(?:\s?(?P<mult{k}>{mults}){_WB})?"

    # Patterns that each start with something the regex engine can scan for quickly (no leading lookbehind):
    # "Rs 3000/hr" (currency first; the word boundary before it is checked in code), "3000 rupees", "3000/hr",
    # "8000 full night" (amount first) and "hh 120", "short - Rs 2000" (unit first).
    currency_first = re.compile(
        rf"(?P<cur1>{before})[^\w]{{0,3}}{_amount(1, after_marker=True)}{mult(1)}(?:\s?(?:/-|/=))?(?:{unit(1)})?"
    )
    # Every amount-first form goes on, after at most one space, with "/", a count in digits before a unit, or the
    # first character of a multiplier, currency, count, connector, unit or cue word. Checked right after the amount,
    # this lets the engine give up at once on most amounts (and on each shorter reading of a long number that
    # backtracking tries) instead of trying every word of the alternations: a necessary condition only, so the
    # matches are the same.
    firsts = _first_chars(
        [
            *factor_of,
            *after_code,
            *unit_of,
            *data["unit_count_one"]["words"],
            *data["unit_connectors"],
            *data["price_cues"]["after"],
        ]
    )
    may_follow = rf"(?=\s?(?:[/{firsts}]|[1-9][0-9]?\s?[{_first_chars(unit_of)}]))"
    amount_first = re.compile(
        rf"{_amount(2)}{may_follow}{mult(2)}(?:\s?(?P<cur2>{after})(?:{_WB}|(?<=/-)|(?<=\W))(?:{unit(2)})?"
        rf"|(?P<conn3>\s?/\s?|\s(?:{conn})\s|\s|){count.format(k=3)}(?P<unit3>{units}){_WB}"
        rf"|\s(?P<cue7>{cues_after}){_WB})"  # "3000 only", "5000 cash": a price by the cue word alone
    )
    # Unit-first and cue-first forms ("hh 120", "short - Rs 2000", "rate: 3000") begin with a word. Scanning a text
    # for a long word alternation is slow, so they are found from each amount backwards: this pattern runs, anchored,
    # on the reversed text before the amount, and ``amount_tail`` reads the amount forwards.
    pre_amount_rev = re.compile(
        # (the currency is tried last: in "2hrs 350" the "rs" belongs to the unit)
        rf"(?:[^\w]{{0,2}}(?P<cur>{word_tree(before_code, reverse=True)}))??\s?(?:[-:=@–/]+|rof|si)?\s?"
        rf"(?:(?P<unit>{word_tree(data['unit_first']['words'], reverse=True)})(?:\s?(?P<cnt>[0-9]{{1,2}}))?"
        rf"|(?P<cue>{word_tree(data['price_cues']['before'], reverse=True)}))"
        rf"(?![^\W_])"
    )
    amount_tail = re.compile(
        rf"{_amount(4, after_marker=True)}{mult(4)}(?:\s?(?P<cur5>{after})(?:{_WB}|(?<=/-)|(?<=\W)))?"
        rf"(?![0-9]|[.,][0-9]){no_duration}"
    )
    rupee = {str(k): str(v) for k, v in data["rupee_by_region"].items() if k != "source"}
    by_region = {str(k): str(v) for k, v in data["currency_by_region"].items() if k != "source"}
    return _Knowledge(
        currency_first,
        amount_first,
        pre_amount_rev,
        amount_tail,
        # before a unit: an amount, "/" or "per" ties the unit to the price before it ("3000/hr 8000 night")
        re.compile(rf"(?:[0-9]\s?|/\s?|(?:{conn})\s)$"),
        by_region,
        before_code,
        after_code,
        unit_of,
        factor_of,
        rupee,
        frozenset(_norm(w) for w in data["taka_words"]),
        tuple(_norm(w) for w in data["bangladesh_cues"]),
    )


def _currency(code: str, word: str, ctx: Context, kb: _Knowledge) -> str | None:
    if code == "RUPEE":
        if word in kb.taka_words:
            return _taka(ctx, kb)
        return kb.rupee_by_region.get(ctx.region, "INR")
    if code == "ROSES":
        return None
    return code


def _taka(ctx: Context, kb: _Knowledge) -> str:
    if ctx.region == "BD":
        return "BDT"
    t = ctx.norm.text
    return "BDT" if any(cue in t for cue in kb.bd_cues) else kb.rupee_by_region.get(ctx.region, "INR")


def _fmt(amount: float) -> str:
    return str(int(amount)) if amount == int(amount) else f"{amount:.2f}".rstrip("0")


# In the reversed text: the first digit of an amount (no digit before it), then what may stand between a word and its
# amount ("hh - $120", "Rs.1500"), then a letter.
_AMOUNT_AFTER_WORD_REV = re.compile(r"[0-9](?![0-9])(?=[ \-:=@–/$₹£€৳.]{0,4}[^\W\d_])")


class _Joined:
    """A unit-first or cue-first match put together from its backward prefix and forward amount (the group names of
    the regex matches the caller reads)."""

    __slots__ = ("_end", "_groups", "_start")

    def __init__(self, start: int, end: int, groups: dict[str, str | None]) -> None:
        self._start, self._end, self._groups = start, end, groups

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def span(self) -> tuple[int, int]:
        return self._start, self._end

    def group(self, name: str) -> str | None:
        return self._groups.get(name)


def _word_first(kb: _Knowledge, vt: str) -> list[tuple[_Joined, int]]:
    """Unit-first (kind 4) and cue-first (kind 6) prices, read backwards from each amount.

    On the reversed text an amount's first digit followed by a few separators and a letter is one fast scan
    (it starts with a digit); the word pattern then runs anchored right there."""
    out: list[tuple[_Joined, int]] = []
    rev = vt[::-1]
    n = len(vt)
    for c in _AMOUNT_AFTER_WORD_REV.finditer(rev):
        r = c.start()  # the amount's first digit, in the reversed text
        pre = kb.pre_amount_rev.match(rev, r + 1)
        if pre is None:
            continue
        a = n - 1 - r
        tail = kb.amount_tail.match(vt, a)
        if tail is None:
            continue

        def fwd(name: str, pre: re.Match[str] = pre) -> str | None:
            # a group of the reversed match, as written forwards
            if pre.group(name) is None:
                return None
            return vt[n - pre.end(name) : n - pre.start(name)]

        unit = fwd("unit")
        k = 4 if unit else 6
        groups = {f"amt{k}": tail.group("amt4"), f"mult{k}": tail.group("mult4"), "cur5": tail.group("cur5")}
        groups["cur4"] = fwd("cur")
        groups["unit4"] = unit
        groups["cnt4"] = fwd("cnt")  # "2hrs 350": a rate for two hours
        # what stands between the unit and the amount; ":", "-", "=", "@" tie the unit to this amount
        between = vt[n - pre.start("unit") : a] if unit else ""
        groups["sep4"] = "tight" if any(c in between for c in ":=-@–") else ""
        out.append((_Joined(n - pre.end(), tail.end(), groups), k))
    out.reverse()  # found from the end of the text: back to reading order, which the caller relies on
    return out


def _inside_taken(taken: list[tuple[int, int]], pos: int) -> bool:
    """Is ``pos`` inside one of the sorted, non-overlapping spans?"""
    i = bisect.bisect_right(taken, (pos, 1 << 62))
    return i > 0 and taken[i - 1][0] <= pos < taken[i - 1][1]


def _small(amount: str) -> bool:
    """Below 20: a count or a digit of something else, not a rate."""
    try:
        return float(amount.replace(",", "")) < 20
    except ValueError:
        return True


def _count(word: str | None) -> int:
    return int(word) if word and word.isdigit() else 1


def find_prices(ctx: Context) -> list[Identifier]:
    view = ctx.digits
    vt = view.text
    if not _HAS_DIGIT(vt):
        return []
    kb = _knowledge()
    out: list[Identifier] = []
    matches: list[tuple[re.Match[str] | _Joined, int]] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str] | _Joined) -> bool:
        # taken spans never overlap and are kept sorted: only the last one starting before m's end can overlap it
        i = bisect.bisect_left(taken, (m.end(),))
        return i == 0 or taken[i - 1][1] <= m.start()

    word_first = _word_first(kb, vt)
    for w, k in word_first:
        if k != 4:
            continue
        if w.start() > 0 and vt[w.start() - 1].isalnum():
            continue  # inside a word
        tail = kb.tail_of_price.search(vt, max(0, w.start() - 8), w.start()) if w.start() > 0 else None
        if tail is not None and not w.group("sep4") and not _inside_taken(taken, tail.start()):
            # the unit of the price before it ("3000/hr 8000 night", "150 hr 100 hh"), unless that amount already
            # has its unit in front ("short 8000 full night 24000") or a ":"/"-" ties this unit to the amount after
            continue
        if free(w):
            matches.append((w, 4))
            bisect.insort(taken, w.span())
    for cm in kb.currency_first.finditer(vt):
        if cm.start() > 0 and vt[cm.start() - 1].isalnum():
            continue  # "hrs 500": the currency word must start a word
        if not cm.group("cur1").isascii() and not cm.group("cur1")[0].isalpha() and _small(cm.group("amt1")):
            continue  # "110 🌹 1 shot": an emoji before a small number is decoration, the rate is 110 roses
        if free(cm):
            matches.append((cm, 1))
            bisect.insort(taken, cm.span())
    cue_after: list[re.Match[str]] = []
    for am in kb.amount_first.finditer(vt):
        if not free(am):
            continue
        if am.group("cue7"):
            cue_after.append(am)
            continue
        matches.append((am, 2))
        bisect.insort(taken, am.span())
    # Bare amounts that only a cue word makes a price ("rate 3000", "3000 only"): after every other form.
    cues: list[tuple[re.Match[str] | _Joined, int]] = [
        (w, 6) for w, kind in word_first if kind == 6 and not (w.start() > 0 and vt[w.start() - 1].isalnum())
    ]
    cues.extend((c, 7) for c in cue_after)
    for c, k in cues:
        if free(c):
            matches.append((c, k))
            bisect.insort(taken, c.span())
    for m, k in matches:
        g = 2 if k == 7 else k  # "3000 only" is an amount_first match
        amount_text = (m.group(f"amt{g}") or "").replace(",", "")
        try:
            amount = float(amount_text)
        except ValueError:
            continue
        mult = m.group(f"mult{g}")
        if mult:
            amount *= kb.factor_of.get(mult, 1)
        if k >= 6:
            if amount < 50:
                continue  # "rate 5 star", "2 only"
            cur_word, unit_word, count = None, None, 1
        else:
            cur_word = m.group(f"cur{k}") or (m.group("cur5") if k == 4 else None)
            unit_word = m.group(f"unit{k}") or (m.group("unit3") if k == 2 else None)
            count = _count(m.group(f"cnt{k}") if k in (1, 2, 4) and m.group(f"unit{k}") else None)
            if k == 2 and m.group("unit3"):
                count = _count(m.group("cnt3"))
        code = None
        currency: str | None
        if cur_word:
            is_before = k == 1 or (k == 4 and m.group("cur4"))
            code = kb.before_code.get(cur_word) if is_before else kb.after_code.get(cur_word)
            if code is None:
                continue
            currency = _currency(code, cur_word, ctx, kb)
        else:
            # "2/hr", "1 per day" are rates of something else; "2 nights" is a duration, "8000 full night" a price
            if amount < 20 or (k == 2 and amount < 100 and not (m.group("conn3") or "").strip()):
                continue
            if k in (4, 6, 7) and amount % (5 if amount < 100 else 10):
                continue  # a word-cued amount without currency is round ("night 2000", "hh 75"); "night 2025" is a year
            currency = kb.currency_by_region.get(ctx.region, "INR")
        if amount <= 0:
            continue
        unit = kb.unit_of.get(unit_word) if unit_word else None
        attrs: dict[str, object] = {"amount": amount, "currency": currency, "unit": unit}
        if code == "ROSES":
            attrs["code"] = "roses"
            value = f"{_fmt(amount)} roses"
        else:
            value = f"{_fmt(amount)} {currency}"
        if not cur_word:
            attrs["currency_inferred"] = True
        if unit:
            if count > 1:
                attrs["per"] = count  # "300/2hrs": a rate for two hours
                value += f"/{count} {unit}s"
            else:
                value += f"/{unit}"
        start, end = view.to_original(m.start(), m.end())
        if ctx.is_claimed(start, end):
            continue
        out.append(
            Identifier(
                "price",
                value,
                start,
                end,
                confidence=0.9 if cur_word else 0.7,
                obfuscated=code == "ROSES" or view.disguised(m.start(), m.end()),
                attrs=attrs,
            )
        )
    out.sort(key=lambda i: i.start)
    return out
