"""Slot functions: fill ``{slot}`` holes that are not plain word lists (money, ages, places, organisations, contacts).

Every function takes the post's :class:`Ctx` and returns text; what it plants (indicator kinds, identifiers) is
recorded on the context for the ground truth.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from tipwatch.synth.actor import Ctx
from tipwatch.synth.contact import (
    slot_contact,
    slot_email,
    slot_ig,
    slot_phone,
    slot_snap,
    slot_tg,
    slot_wa,
    slot_wallet,
)
from tipwatch.synth.knowledge import City, Destination, knowledge
from tipwatch.synth.rand import between, pick


def _mix() -> Any:
    return knowledge().mix


# --- localisation -----------------------------------------------------------------------------------------------------
_LOCAL_DIGITS = {"hi": "०१२३४५६७८९", "ne": "०१२३४५६७८९", "bn": "০১২৩৪৫৬৭৮৯"}
_LOCAL_TABLES = {lang: str.maketrans("0123456789", d) for lang, d in _LOCAL_DIGITS.items()}


def local_digits(ctx: Ctx, text: str, p: float = 0.3) -> str:
    """Posts in Indic scripts often write numbers in their own digits."""
    table = _LOCAL_TABLES.get(ctx.lang)
    if table is not None and ctx.rng.random() < p:
        return text.translate(table)
    return text


def city_name(ctx: Ctx, city: City | None = None) -> str:
    c = city or ctx.city
    if ctx.lang in c.local and ctx.lang != "ne" and ctx.rng.random() < 0.8:
        return c.local[ctx.lang]
    if ctx.lang == "ne" and ctx.rng.random() < 0.6:
        return c.local["ne"]
    return pick(ctx.rng, c.shown) if ctx.rng.random() < 0.4 else c.name


def _dest(ctx: Ctx) -> Destination:
    a = ctx.actor
    if a.dest is None:
        dests = knowledge().destinations
        # Scam compounds recruit for South-East Asia; the rest for the Gulf, Malaysia, Europe.
        if ctx.frame.id.endswith("scamcompound"):
            a.dest = pick(ctx.rng, [d for d in dests if d.country in ("Thailand", "Myanmar", "Cambodia")])
        else:
            a.dest = pick(ctx.rng, [d for d in dests if d.country not in ("Myanmar", "Cambodia")])
    return a.dest


# --- money ------------------------------------------------------------------------------------------------------------
def indian_grouping(amount: int) -> str:
    """12,34,567: the last three digits, then pairs (lakh and crore grouping)."""
    s = str(amount)
    if len(s) <= 3:
        return s
    head, tail = s[:-3], s[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail]) if head else ",".join([*pairs, tail])


def _inr(amount: int, rng: random.Random) -> str:
    form = int(rng.random() * 8)
    if form == 0 and amount % 1000 == 0:
        return f"{amount // 1000}k"
    if form == 1:
        return f"Rs {amount}"
    if form == 2:
        return f"Rs. {indian_grouping(amount)}"
    if form == 3:
        return f"₹{amount}"
    if form == 4:
        return f"INR {amount}"
    if form == 5:
        return f"{amount}/-"
    if form == 6 and amount >= 100_000:
        return f"{amount / 100_000:.1f} lakh".replace(".0 ", " ")
    return f"₹{indian_grouping(amount)}"


def slot_price(ctx: Ctx) -> str:
    a, rng, mix = ctx.actor, ctx.rng, _mix()
    if a.price is None:
        lo, hi = mix["escort_price_inr"]
        a.price = between(rng, lo, hi, 500)
    amount = max(500, a.price + pick(rng, (0, 0, 0, -500, 500, 1000)))
    unit = pick(rng, ("", "", "/hr", " per hour", " short", " 1 shot", " 2 hrs", " full night"))
    if unit == " full night":
        amount *= 3
    usd = max(20, round(amount * mix["usd_per_inr"] / 10) * 10)
    form = rng.random()
    if form < 0.14:
        ctx.inds.add("rose_price")
        text = pick(rng, ("{u} roses", "🌹{u}", "{u} 🌹", "{u} Roses", "🌹🌹 {u}")).format(u=usd)
    elif form < 0.24 and ctx.lang == "en":
        text = pick(rng, ("${u}", "USD {u}", "{u}$")).format(u=usd)
    else:
        text = _inr(amount, rng)
    return local_digits(ctx, text + unit, 0.25)


def slot_salary(ctx: Ctx) -> str:
    rng, mix = ctx.rng, _mix()
    lure = ctx.frame.label == 1 or ctx.actor.label == 1
    style = ctx.frame.salary
    if style == "overseas":
        d = _dest(ctx)
        lo, hi = mix["lure_overseas_salary" if lure else "overseas_salary"][d.currency]
        n = between(rng, lo, hi, 50 if hi > 1000 else 10)
        cur = "$" if d.currency == "USD" and rng.random() < 0.6 else d.currency
        text = f"{cur}{n}" if cur == "$" else pick(rng, (f"{cur} {n}", f"{n} {cur}", f"{cur} {n:,}"))
    elif style == "high":
        lo, hi = mix["high_salary_usd"]
        n = between(rng, lo, hi, 100)
        text = pick(rng, (f"USD {n:,}", f"${n}", f"US$ {n}"))
    elif style == "it":
        lo, hi = mix["it_salary_lpa"]
        a = between(rng, lo, hi - 4)
        text = pick(rng, (f"₹{a}-{a + between(rng, 3, 10)} LPA", f"{a}-{a + 5} lakh p.a.", f"INR {a} LPA+"))
    else:
        lo, hi = mix["lure_salary_inr" if lure else "job_salary_inr"]
        n = between(rng, lo, hi, 1000)
        form = int(rng.random() * 4)
        if form == 0:
            text = f"₹{indian_grouping(n)}"
        elif form == 1:
            text = f"{n // 1000}k"
        elif form == 2 and n >= 100_000:
            text = f"{n / 100_000:.1f} lakh"
        else:
            text = f"Rs {indian_grouping(n)}-{indian_grouping(n + pick(rng, (2000, 5000, 8000)))}"
    if lure and ctx.frame.label == 1:
        ctx.inds.add("unrealistic_pay")
    return local_digits(ctx, text, 0.2)


def slot_fee(ctx: Ctx) -> str:
    rng, mix = ctx.rng, _mix()
    key = "marriage_fee_inr" if ctx.frame.category == "marriage_fraud" else "worker_fee_inr"
    lo, hi = mix[key]
    return local_digits(ctx, _inr(between(rng, lo, hi, 5000), rng), 0.2)


def slot_rent(ctx: Ctx) -> str:
    lo, hi = _mix()["rent_inr"]
    return local_digits(ctx, _inr(between(ctx.rng, lo, hi, 500), ctx.rng), 0.3)


# --- people -----------------------------------------------------------------------------------------------------------
def _need_names(ctx: Ctx) -> list[str]:
    a = ctx.actor
    if not a.names:
        pool = knowledge().names["female"]
        # Operations rotate several names over the same phone; a person keeps one.
        a.names = ctx.rng.sample(pool, 6) if a.group == "op" else [pick(ctx.rng, pool)]
    return a.names


def slot_name(ctx: Ctx) -> str:
    return pick(ctx.rng, _need_names(ctx))


def slot_name_m(ctx: Ctx) -> str:
    return pick(ctx.rng, knowledge().names["male"])


def slot_surname(ctx: Ctx) -> str:
    return pick(ctx.rng, knowledge().names["surnames"])


def _age(ctx: Ctx, key: str) -> int:
    lo, hi = _mix()[key]
    return between(ctx.rng, lo, hi)


def slot_age(ctx: Ctx) -> str:
    a = ctx.actor
    if ctx.frame.label == 1:
        age = _age(ctx, "indicative_age")
        if age <= 19:
            ctx.inds.add("young_age")
    else:
        if a.age is None:
            a.age = _age(ctx, "independent_age")
        age = a.age
    return local_digits(ctx, str(age), 0.4)


def slot_age2(ctx: Ctx) -> str:
    return str(between(ctx.rng, 32, 48))


def slot_age3(ctx: Ctx) -> str:
    return local_digits(ctx, str(_age(ctx, "bride_age")), 0.3)


def slot_age4(ctx: Ctx) -> str:
    return local_digits(ctx, str(_age(ctx, "groom_age")), 0.3)


def slot_height(ctx: Ctx) -> str:
    inches = between(ctx.rng, 58, 73)
    if ctx.rng.random() < 0.3:
        return f"{round(inches * 2.54)} cm"
    return f"{inches // 12}'{inches % 12}\""


def slot_income(ctx: Ctx) -> str:
    return pick(ctx.rng, ("₹{n} LPA", "{n} lakh p.a.", "Rs {n} lakh/yr")).format(n=between(ctx.rng, 6, 40))


# --- places -----------------------------------------------------------------------------------------------------------
def slot_city(ctx: Ctx) -> str:
    return city_name(ctx)


def slot_locality(ctx: Ctx) -> str:
    return pick(ctx.rng, ctx.city.localities)


def slot_city_tag(ctx: Ctx) -> str:
    return ctx.city.name.replace(" ", "")


def slot_dest(ctx: Ctx) -> str:
    d = _dest(ctx)
    if ctx.lang in d.local and ctx.rng.random() < 0.7:
        return d.local[ctx.lang]
    return d.name


_PIN_FIRST = {"east": "7", "north": "1", "west": "4", "south": "5", "nepal": "4", "bangladesh": "1"}


def slot_pin(ctx: Ctx) -> str:
    return _PIN_FIRST.get(ctx.city.region, "1") + f"{between(ctx.rng, 10000, 99999)}"


def slot_address(ctx: Ctx) -> str:
    a = ctx.actor
    if a.address is None:
        rng = ctx.rng
        building = pick(rng, knowledge().names["buildings"])
        a.address = (
            f"Office {between(rng, 2, 60)}{pick(rng, '0123')}, {building}, {pick(rng, ctx.city.localities)}, "
            f"{ctx.city.name} - {slot_pin(ctx)}"
        )
    return a.address


# --- organisations ----------------------------------------------------------------------------------------------------
def slot_company(ctx: Ctx) -> str:
    a = ctx.actor
    if a.company is None:
        n = knowledge().names
        a.company = f"{pick(ctx.rng, n['company_a'])} {pick(ctx.rng, n['company_b'])} {pick(ctx.rng, n['company_c'])}"
    return a.company


def slot_agency(ctx: Ctx) -> str:
    a = ctx.actor
    if a.agency is None:
        n = knowledge().names
        a.agency = f"{pick(ctx.rng, n['agency_a'])} {pick(ctx.rng, n['agency_b'])}"
    return a.agency


def slot_licence(ctx: Ctx) -> str:
    a, rng = ctx.actor, ctx.rng
    if a.licence is None:
        if ctx.lang == "ne":
            a.licence = f"{between(rng, 100, 1500)}/0{between(rng, 60, 81)}/0{between(rng, 61, 82)}"
        elif ctx.frame.id.startswith("bj-"):
            a.licence = f"RPSL-{ctx.city.name[:3].upper()}-{between(rng, 100, 999)}"
        else:
            city3 = ctx.city.name[:3].upper()
            serial, year = between(rng, 1000, 9999), between(rng, 2008, 2024)
            a.licence = f"B-{between(rng, 100, 3999):04d}/{city3}/PER/1000+/5/{serial}/{year}"
    return a.licence


def slot_website(ctx: Ctx) -> str:
    a = ctx.actor
    if a.website is None:
        owner = a.agency or a.company or slot_company(ctx)
        slug = "".join(ch for ch in "".join(owner.lower().split()[:2]) if ch.isalnum())
        a.website = f"www.{slug}.example"
    return a.website


def slot_vacancies(ctx: Ctx) -> str:
    return local_digits(ctx, str(pick(ctx.rng, (3, 5, 8, 10, 12, 15, 20, 25, 40, 50, 100, 150))), 0.3)


def slot_walkin(ctx: Ctx) -> str:
    day = time.gmtime(ctx.ts + 86400 * between(ctx.rng, 2, 10))
    month = time.strftime("%B", day)
    return pick(
        ctx.rng,
        (f"{day.tm_mday} {month}", f"{day.tm_mday:02d}/{day.tm_mon:02d}/{day.tm_year}", f"{month} {day.tm_mday}"),
    )


def slot_ref(ctx: Ctx) -> str:
    return f"JR-{between(ctx.rng, 10000, 99999)}"


def slot_year(ctx: Ctx) -> str:
    return local_digits(ctx, str(between(ctx.rng, 2014, 2024)), 0.3)


SLOT_FUNCTIONS: dict[str, Callable[[Ctx], str]] = {
    "address": slot_address,
    "age": slot_age,
    "age2": slot_age2,
    "age3": slot_age3,
    "age4": slot_age4,
    "agency": slot_agency,
    "city": slot_city,
    "city_tag": slot_city_tag,
    "company": slot_company,
    "contact": slot_contact,
    "dest": slot_dest,
    "email": slot_email,
    "fee": slot_fee,
    "height": slot_height,
    "ig": slot_ig,
    "income": slot_income,
    "licence": slot_licence,
    "locality": slot_locality,
    "name": slot_name,
    "name_m": slot_name_m,
    "phone": slot_phone,
    "pin": slot_pin,
    "price": slot_price,
    "ref": slot_ref,
    "rent": slot_rent,
    "salary": slot_salary,
    "snap": slot_snap,
    "surname": slot_surname,
    "tg": slot_tg,
    "vacancies": slot_vacancies,
    "walkin": slot_walkin,
    "wa": slot_wa,
    "wallet": slot_wallet,
    "website": slot_website,
    "year": slot_year,
}
