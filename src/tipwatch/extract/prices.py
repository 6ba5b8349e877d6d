"""Prices with currency and unit: "Rs 3000/hr", "₹3,500 per night", "5000/-", "150 roses", "৩০০০ টাকা", "$200/hr".

Matched on the digit view (native digits already ASCII, emoji kept), so emoji-heavy text does not break them.
A bare amount is a price only with a currency marker, or with an explicit per-unit ("2000/hr", "2000 per night"):
"2 hours" is a duration and "19 yrs" an age. The value reads ``"<amount> <CUR>[/<unit>]"``, e.g. "3500 INR/hour".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tipwatch.extract.context import Context, word_alternation
from tipwatch.extract.data import load
from tipwatch.model import Identifier
from tipwatch.text.normalize import normalize


def _amount(k: int) -> str:
    # Starts with a plain [0-9] (the lookbehind comes after it) so that the regex engine can skip to digits fast.
    return (
        rf"(?P<amt{k}>[0-9](?<![\w.,][0-9])(?:[0-9]{{0,2}}(?:,[0-9]{{2,3}})+(?:\.[0-9]{{1,2}})?"
        rf"|[0-9]{{0,8}}(?:\.[0-9]{{1,2}})?))"
    )


_WB = r"(?![^\W_])"  # no letter or digit right after
_HAS_DIGIT = re.compile(r"[0-9]").search


@dataclass(slots=True, frozen=True)
class _Knowledge:
    currency_first: re.Pattern[str]
    amount_first: re.Pattern[str]
    before_code: dict[str, str]
    after_code: dict[str, str]
    unit_of: dict[str, str]
    factor_of: dict[str, int]
    rupee_by_region: dict[str, str]
    taka_words: frozenset[str]
    bd_cues: tuple[str, ...]


def _norm(w: object) -> str:
    return normalize(str(w)).text


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
    before = word_alternation(before_code)
    after = word_alternation(after_code)
    units = word_alternation(unit_of)
    mults = word_alternation(factor_of)
    conn = word_alternation(data["unit_connectors"])

    # "/" connects without spaces ("3000/hr"); word connectors need a word boundary.
    def unit(k: int) -> str:
        return rf"(?:\s?/\s?|\s(?:{conn})\s|\s)(?P<unit{k}>{units}){_WB}"

    def mult(k: int) -> str:
        return rf"(?:\s?(?P<mult{k}>{mults}){_WB})?"

    # Two patterns, each starting with something the regex engine can scan for quickly (no leading lookbehind):
    # "Rs 3000/hr" (currency first; the word boundary before it is checked in code) and "3000 rupees",
    # "3000/hr", "8000 full night" (amount first).
    currency_first = re.compile(rf"(?P<cur1>{before})[^\w]{{0,3}}{_amount(1)}{mult(1)}(?:\s?(?:/-|/=))?(?:{unit(1)})?")
    amount_first = re.compile(
        rf"{_amount(2)}{mult(2)}(?:\s?(?P<cur2>{after})(?:{_WB}|(?<=/-)|(?<=\W))(?:{unit(2)})?"
        rf"|(?P<conn3>\s?/\s?|\s(?:per|प्रति|প্রতি)\s|\s)(?P<unit3>{units}){_WB})"
    )
    rupee = {str(k): str(v) for k, v in data["rupee_by_region"].items() if k != "source"}
    return _Knowledge(
        currency_first,
        amount_first,
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


def find_prices(ctx: Context) -> list[Identifier]:
    view = ctx.digits
    vt = view.text
    if not _HAS_DIGIT(vt):
        return []
    kb = _knowledge()
    out: list[Identifier] = []
    matches: list[tuple[re.Match[str], int]] = []
    taken: list[tuple[int, int]] = []
    for m in kb.currency_first.finditer(vt):
        if m.start() > 0 and vt[m.start() - 1].isalnum():
            continue  # "hrs 500": the currency word must start a word
        matches.append((m, 1))
        taken.append(m.span())
    for m in kb.amount_first.finditer(vt):
        if not any(s < m.end() and m.start() < e for s, e in taken):
            matches.append((m, 2))
    for m, k in matches:
        amount_text = m.group(f"amt{k}").replace(",", "")
        try:
            amount = float(amount_text)
        except ValueError:
            continue
        mult = m.group(f"mult{k}")
        if mult:
            amount *= kb.factor_of.get(mult, 1)
        cur_word = m.group(f"cur{k}")
        unit_word = m.group(f"unit{k}") or (m.group("unit3") if k == 2 else None)
        code = None
        currency: str | None
        if cur_word:
            code = kb.before_code.get(cur_word) if k == 1 else kb.after_code.get(cur_word)
            if code is None:
                continue
            currency = _currency(code, cur_word, ctx, kb)
        else:
            # "2/hr", "1 per day" are rates of something else; "2 nights" is a duration, "8000 full night" a price
            if amount < 20 or (amount < 100 and not m.group("conn3").strip()):
                continue
            currency = kb.rupee_by_region.get(ctx.region, "INR")
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
    return out
