"""Turn a frame into text for one post: fill slots, plant identifiers in varied disguises, add human mess.

Every slot function takes the post's :class:`Ctx` and returns text; what it plants (identifiers with their written
form, indicator kinds) is recorded on the context for the ground truth. Actor-level facts (an operation's phones,
handles, price level) are created lazily on the actor the first time a post needs them, so a one-off post pays only
for what its frame uses.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from tipwatch.synth import idents
from tipwatch.synth.knowledge import Alt, City, Destination, Frame, Slot, knowledge
from tipwatch.synth.rand import between, pick

Parts = tuple[str | Slot, ...]


class Actor:
    """Whoever posts: an operation ("op-"), an independent reposting ("indep-"), an agency ("org-"), or a one-off.

    Attributes start as None and are filled on first use (see the ``_need_*`` helpers) with the rng of the post
    being rendered; rendering order is deterministic, so the corpus is too.
    """

    __slots__ = (
        "address",
        "age",
        "agency",
        "category",
        "channels",
        "company",
        "dest",
        "email",
        "email_style",
        "facts",
        "frames",
        "group",
        "handles",
        "hard_cases",
        "home",
        "images",
        "label",
        "lang",
        "licence",
        "names",
        "network_id",
        "phones",
        "platforms",
        "price",
        "region",
        "shared_phrase",
        "size",
        "templates",
        "website",
    )

    def __init__(self, category: str, label: int, group: str | None = None, network_id: str | None = None) -> None:
        self.category = category
        self.label = label
        self.group = group
        self.network_id = network_id
        self.lang: str | None = None
        self.frames: list[Frame] = []
        self.templates: dict[str, tuple[tuple[Parts, tuple[str, ...]], list[tuple[Parts, tuple[str, ...]]], str]] = {}
        self.phones: list[tuple[str, str]] = []
        self.names: list[str] = []
        self.handles: dict[str, str] = {}
        self.facts: dict[str, str] = {}
        self.platforms: dict[str, list[Any]] = {}
        self.channels: tuple[str, ...] = ()
        self.email: str | None = None
        self.email_style: str | None = None
        self.price: int | None = None
        self.age: int | None = None
        self.dest: Destination | None = None
        self.company: str | None = None
        self.agency: str | None = None
        self.licence: str | None = None
        self.address: str | None = None
        self.website: str | None = None
        self.home: City | None = None
        self.region: str | None = None
        self.images: Any = None
        self.hard_cases: tuple[str, ...] = ()
        self.shared_phrase: str | None = None
        self.size = 1


class Ctx:
    """One post being rendered."""

    __slots__ = (
        "actor",
        "city",
        "frame",
        "idents",
        "inds",
        "lang",
        "phone_idx",
        "rng",
        "ts",
        "two_phones",
    )

    def __init__(self, rng: random.Random, actor: Actor, frame: Frame, city: City, ts: float) -> None:
        self.rng = rng
        self.actor = actor
        self.frame = frame
        self.lang = frame.lang
        self.city = city
        self.ts = ts
        self.inds: set[str] = set(frame.inds)
        self.idents: list[dict[str, Any]] = []
        self.phone_idx = 0
        self.two_phones = False


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


# --- identifiers ------------------------------------------------------------------------------------------------------
_STYLE_BY_LANG = {
    "en": ("spaced", "dotted", "dashed", "words_en", "fullwidth", "lookalike", "emoji_sep", "keycap", "mixed_words"),
    "hi-Latn": ("spaced", "dashed", "words_hi_latn", "words_en", "lookalike", "emoji_sep", "keycap", "mixed_words"),
    "hi": ("digits_deva", "words_hi", "spaced", "emoji_sep", "keycap", "digits_deva"),
    "bn": ("digits_beng", "words_bn", "spaced", "emoji_sep", "keycap", "digits_beng"),
    "ne": ("digits_deva", "words_ne", "spaced", "emoji_sep", "dashed"),
}


def _region_for(ctx: Ctx) -> str:
    r = ctx.city.region
    return "NP" if r == "nepal" else "BD" if r == "bangladesh" else "IN"


def need_phones(ctx: Ctx) -> list[tuple[str, str]]:
    a = ctx.actor
    if not a.phones:
        region = a.region or _region_for(ctx)
        a.phones = [(region, idents.random_phone(ctx.rng, region))]
    return a.phones


def _obfuscation_rate(ctx: Ctx) -> float:
    if ctx.frame.label == 1:
        return 0.6
    if ctx.frame.category == "benign_independent_adult":
        return 0.2  # independents disguise numbers too: the hard case
    return 0.04


def write_phone_at(ctx: Ctx, idx: int) -> str:
    phones = need_phones(ctx)
    region, national = phones[idx % len(phones)]
    rng = ctx.rng
    if rng.random() < _obfuscation_rate(ctx):
        style = pick(rng, _STYLE_BY_LANG[ctx.lang])
        ctx.inds.add("obscured_phone")
    else:
        style = "plain"
    written = idents.write_phone(rng, region, national, style)
    ctx.idents.append({"type": "phone", "value": idents.e164(region, national), "written": written, "style": style})
    return written


def slot_phone(ctx: Ctx) -> str:
    first = write_phone_at(ctx, ctx.phone_idx)
    if ctx.two_phones and len(ctx.actor.phones) > 1:
        return f"{first} / {write_phone_at(ctx, ctx.phone_idx + 1)}"
    return first


def _need_handle(ctx: Ctx, platform: str) -> str:
    a = ctx.actor
    h = a.handles.get(platform)
    if h is None:
        base = (a.names[0] if a.names else pick(ctx.rng, knowledge().names["handle_words"])).lower()
        h = idents.random_handle(ctx.rng, base, job=ctx.frame.kind == "job_ad")
        a.handles[platform] = h
    return h


def _handle(ctx: Ctx, platform: str) -> str:
    h = _need_handle(ctx, platform)
    ctx.idents.append({"type": "handle", "value": f"{platform}:{h}", "written": "", "style": platform})
    written = idents.write_handle(ctx.rng, platform, h)
    ctx.idents[-1]["written"] = written
    return written


def slot_ig(ctx: Ctx) -> str:
    return _handle(ctx, "instagram")


def slot_tg(ctx: Ctx) -> str:
    if ctx.frame.label == 1:
        ctx.inds.add("messaging_app_contact")
    return _handle(ctx, "telegram")


def slot_snap(ctx: Ctx) -> str:
    return _handle(ctx, "snapchat")


def slot_wa(ctx: Ctx) -> str:
    region, national = need_phones(ctx)[ctx.phone_idx % len(ctx.actor.phones)]
    written = idents.write_wa_link(ctx.rng, region, national)
    value = idents.e164(region, national)
    ctx.idents.append({"type": "phone", "value": value, "written": written, "style": "wa_link"})
    ctx.idents.append({"type": "handle", "value": f"whatsapp:{value}", "written": written, "style": "whatsapp"})
    return written


def slot_email(ctx: Ctx) -> str:
    a, rng = ctx.actor, ctx.rng
    if a.email is None:
        base = a.names[0] if a.names else pick(rng, knowledge().names["handle_words_job"])
        a.email = idents.random_email(rng, base)
    if ctx.frame.label == 1 and rng.random() < 0.6:
        style = pick(rng, idents.EMAIL_STYLES[1:])
        ctx.inds.add("obscured_email")
    else:
        style = "plain"
    written = idents.write_email(rng, a.email, style)
    ctx.idents.append({"type": "email", "value": a.email, "written": written, "style": style})
    return written


def slot_wallet(ctx: Ctx) -> str:
    a, rng = ctx.actor, ctx.rng
    w = a.handles.get("wallet")
    if w is None:
        w = idents.random_btc(rng) if rng.random() < 0.6 else idents.random_eth(rng)
        a.handles["wallet"] = w
    ctx.inds.add("crypto_payment")
    ctx.idents.append({"type": "wallet", "value": w, "written": w, "style": "btc" if w[0] in "13" else "eth"})
    return w


def slot_contact(ctx: Ctx) -> str:
    """A contact line: a lead word, the phone, and sometimes the actor's other channels."""
    rng = ctx.rng
    lead = pick(rng, knowledge().words["contact_lead"].get(ctx.lang))
    out = [lead, " ", slot_phone(ctx)]
    for channel in ctx.actor.channels:
        if rng.random() < 0.55:
            out.append(pick(rng, (" / ", " | ", ", ", " or ", "\n")))
            out.append(SLOT_FUNCTIONS[channel](ctx))
    return "".join(out)


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


# --- mess -------------------------------------------------------------------------------------------------------------
_TEXTSPEAK = {
    "en": (
        (" you", " u"),
        (" are ", " r "),
        ("please", "plz"),
        (" and ", " n "),
        ("available", "availble"),
        ("with", "wid"),
    ),
    "hi-Latn": (("hai", "h"), ("nahi", "nhi"), ("karo", "kro"), ("kare", "kre"), ("ke liye", "k liye"), ("aur", "or")),
}


def mess(rng: random.Random, text: str, lang: str) -> str:
    """One human slip: case, stretched letters, swapped letters, text-speak, squeezed punctuation."""
    if not text.strip():
        return text
    kind = int(rng.random() * 6)
    if kind == 0:
        return text.upper() if rng.random() < 0.6 else text.lower()
    if kind == 1:
        idx = [i for i, ch in enumerate(text) if ch in "aeiouyAEIOU"]
        if idx:
            i = pick(rng, idx)
            return text[: i + 1] + text[i] * between(rng, 1, 3) + text[i + 1 :]
        return text
    if kind == 2:
        idx = [i for i in range(len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha()]
        if idx:
            i = pick(rng, idx)
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        return text
    if kind == 3:
        for old, new in _TEXTSPEAK.get(lang, ()):
            if old in text:
                return text.replace(old, new)
        return text
    if kind == 4:
        return text.replace(". ", ".").replace(", ", ",")
    return text.rstrip(".!। ") + pick(rng, ("!!", "!!!", "...", " ..", "!?", "।।"))


# --- frames -----------------------------------------------------------------------------------------------------------
def resolve_words(rng: random.Random, alt: Alt, lang: str, inds: set[str]) -> Parts:
    """Fix an alternative's word-list slots to words (an operation's template), keeping slot functions open."""
    words = knowledge().words
    out: list[str | Slot] = []
    for p in alt.parts:
        if isinstance(p, Slot) and p.name in words:
            w = words[p.name]
            if w.ind:
                inds.add(w.ind)
            p = pick(rng, w.get(lang))
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] = out[-1] + p
        else:
            out.append(p)
    inds.update(alt.inds)
    return tuple(out)


# Facts about a person that must read the same everywhere they appear (a profile's age in title and body).
MEMO_SLOTS = frozenset({"age3", "age4", "height", "income", "surname", "name_m", "edu", "profession"})


def _fill(ctx: Ctx, name: str) -> str:
    fn = SLOT_FUNCTIONS.get(name)
    if fn is not None:
        return fn(ctx)
    w = knowledge().words[name]
    if w.ind:
        ctx.inds.add(w.ind)
    return pick(ctx.rng, w.get(ctx.lang))


def render_parts(ctx: Ctx, parts: Parts, mess_rate: float) -> str:
    rng = ctx.rng
    out: list[str] = []
    for p in parts:
        if isinstance(p, str):
            out.append(mess(rng, p, ctx.lang) if rng.random() < mess_rate else p)
        elif p.name in MEMO_SLOTS:
            facts = ctx.actor.facts
            value = facts.get(p.name)
            if value is None:
                value = facts[p.name] = _fill(ctx, p.name)
            out.append(value)
        else:
            out.append(_fill(ctx, p.name))
    return "".join(out).strip()


def render_alt(ctx: Ctx, alt: Alt, mess_rate: float) -> str:
    ctx.inds.update(alt.inds)
    return render_parts(ctx, alt.parts, mess_rate)


_SEPS = ("\n", "\n", "\n", " ", " ", "\n\n", " | ", " • ", " ✨ ", " 👉 ")


def pick_sep(rng: random.Random) -> str:
    return pick(rng, _SEPS)


def render_fresh(ctx: Ctx, mess_rate: float, extra: str | None = None) -> tuple[str, str]:
    """Title and body of a frame written afresh (each section picks its own alternative)."""
    rng = ctx.rng
    fr = ctx.frame
    title = render_alt(ctx, pick(rng, fr.title), mess_rate)
    sections = [render_alt(ctx, pick(rng, sec), mess_rate) for sec in fr.body]
    if extra:
        sections.insert(between(rng, 1, len(sections) - 1), extra)
    return title, pick_sep(rng).join(s for s in sections if s)


def make_template(
    rng: random.Random, frame: Frame
) -> tuple[tuple[Parts, tuple[str, ...]], list[tuple[Parts, tuple[str, ...]]], str]:
    """An operation's fixed text: each section's alternative and word choices fixed once; slots stay open."""
    inds: set[str] = set()
    title = resolve_words(rng, pick(rng, frame.title), frame.lang, inds)
    title_inds = tuple(sorted(inds))
    body: list[tuple[Parts, tuple[str, ...]]] = []
    for sec in frame.body:
        s_inds: set[str] = set()
        body.append((resolve_words(rng, pick(rng, sec), frame.lang, s_inds), tuple(sorted(s_inds))))
    return (title, title_inds), body, pick_sep(rng)


def render_template(ctx: Ctx, template: Any, drift: float, mess_rate: float, extra: str | None) -> tuple[str, str]:
    """A post from an operation's template: same text, new slot values, now and then one rewritten section."""
    rng = ctx.rng
    (title_parts, title_inds), body, sep = template
    ctx.inds.update(title_inds)
    title = render_parts(ctx, title_parts, mess_rate)
    redo = rng.randrange(len(body)) if rng.random() < drift else -1
    sections: list[str] = []
    for i, (parts, inds) in enumerate(body):
        if i == redo:
            sections.append(render_alt(ctx, pick(rng, ctx.frame.body[i]), mess_rate))
        else:
            ctx.inds.update(inds)
            sections.append(render_parts(ctx, parts, mess_rate))
    if extra:
        sections.insert(min(len(sections) - 1, 2), extra)
    return title, sep.join(s for s in sections if s)
