"""An extraction evaluation set: synthetic posts with the phones, prices, ages and handles they hold.

Written for issue 9 apart from the detection code and from ``tipwatch synth``: its own carrier sentences, its own
obfuscation writers (one per family), random fictional numbers (valid per ``phonenumbers``' metadata, since the truth
must be a real numbering-plan number), fictional names. Nothing here is real people's data. The published forms quoted
in issue 9 are included verbatim as a small "issue" family.

Each case: ``text``, ``region`` (the market the ad was posted in), ``family``, ``script`` (of the carrier text) and
``expect``: the (type, value) pairs that must come out. For phones the set also holds negatives (dates, prices,
heights, PIN codes, order numbers ...) whose posts must yield no phone.

Usage from a benchmark: ``cases(seed, per_family)``.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import phonenumbers


@dataclass(slots=True)
class Case:
    text: str
    region: str
    kind: str  # phone, price, age, handle, negative
    family: str
    script: str
    expect: list[tuple[str, str]] = field(default_factory=list)


# --- numbers ------------------------------------------------------------------------------------------------------
_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_EN_ALT = {"0": ["oh", "zero"], "4": ["for", "four"], "2": ["to", "two"]}  # homophones seen in US escort ads
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_HI_LATN = ["shunya", "ek", "do", "teen", "char", "paanch", "chhe", "saat", "aath", "nau"]
_HI = ["शून्य", "एक", "दो", "तीन", "चार", "पांच", "छह", "सात", "आठ", "नौ"]
_BN = ["শূন্য", "এক", "দুই", "তিন", "চার", "পাঁচ", "ছয়", "সাত", "আট", "নয়"]
_SCRIPTS = {
    "deva": "०१२३४५६७८९",
    "beng": "০১২৩৪৫৬৭৮৯",
    "gujr": "૦૧૨૩૪૫૬૭૮૯",
    "guru": "੦੧੨੩੪੫੬੭੮੯",
    "taml": "௦௧௨௩௪௫௬௭௮௯",
    "telu": "౦౧౨౩౪౫౬౭౮౯",
    "knda": "೦೧೨೩೪೫೬೭೮೯",
    "mlym": "൦൧൨൩൪൫൬൭൮൯",
    "orya": "୦୧୨୩୪୫୬୭୮୯",
    "arab": "٠١٢٣٤٥٦٧٨٩",
}
_LOOK = {"0": "Oo", "1": "Il", "5": "S", "8": "B"}
_EMOJI = ["🌹", "💋", "🔥", "💕", "😘", "✨", "💯", "❤️", "👉", "📞"]
_SEPS = ["|", "$", "/", "*", "~", "•", "_", "||", " | ", " / "]


def _valid(e164: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(e164))
    except phonenumbers.NumberParseException:
        return False


def _in_mobile(rng: random.Random) -> str:
    while True:
        nat = rng.choice("6789") + "".join(rng.choice("0123456789") for _ in range(9))
        if _valid("+91" + nat):
            return nat


_INTL = ["US", "GB", "AE", "BD", "NP", "PK", "LK", "SG", "MY", "TH", "AU", "CA", "SA", "QA"]


def _intl(rng: random.Random, region: str) -> tuple[str, str]:
    """(country code, national number) of a random valid mobile of ``region``."""
    ex = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert ex is not None
    cc = str(ex.country_code)
    nat = str(ex.national_number)
    while True:
        tail = "".join(rng.choice("0123456789") for _ in range(4))
        cand = nat[:-4] + tail
        if region in ("US", "CA"):  # vary the area code too
            cand = rng.choice(["773", "312", "213", "415", "646", "480", "702", "305", "416", "604"]) + cand[3:]
        e164 = f"+{cc}{cand}"
        if _valid(e164) and phonenumbers.region_code_for_number(phonenumbers.parse(e164)) == region:
            return cc, cand


# --- carriers ------------------------------------------------------------------------------------------------------
# Sentences around the number, per script; {p} is the phone. Some carry a price, an age or a date as distractors.
_CARRY: dict[str, list[str]] = {
    "latin": [
        "Call {p} now",
        "Hot independent girl in town, call me {p} for fun",
        "For booking {p}",
        "for booking {p} 24x7 available",
        "Bookings open - {p}",
        "Contact: {p} (only serious)",
        "whatsapp {p} pics on request",
        "Incall/outcall, rate Rs 3000/hr. Call {p}",
        "New girl, 21 yrs, call {p}",
        "txt me {p} xoxo",
        "{p} call or text",
        "Available 10am to 11pm, ring {p}",
        "Contact {p}, visiting from 12/05/2024",
        "hi guys im lily 23 yo, text {p} no blocked calls",
        "reach me at {p} anytime",
        "Appointment & booking: {p}",
        "Order food? no, order me :) {p}",
    ],
    "hinglish": [
        "Call karo {p} abhi",
        "Booking ke liye {p} pe call kare",
        "Full enjoy, no advance, number {p}",
        "sirf serious log call kare {p}",
        "Rate 2000 short, contact {p}",
    ],
    "deva": ["कॉल करें {p}", "बुकिंग के लिए {p}", "संपर्क {p} सिर्फ गंभीर लोग", "नई लड़की, फोन {p}"],
    "beng": ["যোগাযোগ করুন {p}", "বুকিং এর জন্য {p}", "ফোন {p} শুধু সিরিয়াস", "নতুন মেয়ে, কল {p}"],
}
_CARRIER_SCRIPTS = ("latin", "latin", "latin", "hinglish", "deva", "beng")


def _carry(rng: random.Random, written: str, script: str | None = None) -> tuple[str, str]:
    s = script or rng.choice(_CARRIER_SCRIPTS)
    return rng.choice(_CARRY[s]).format(p=written), s


def _group(nat: str, rng: random.Random) -> list[str]:
    cut = rng.choice([(5,), (4, 7), (3, 6), (2, 4, 6, 8)]) if len(nat) == 10 else rng.choice([(3,), (3, 6)])
    out, prev = [], 0
    for c in cut:
        out.append(nat[prev:c])
        prev = c
    out.append(nat[prev:])
    return out


# --- phone writers per family: (rng, national IN mobile) -> written ------------------------------------------------
def _w_plain(rng: random.Random, nat: str) -> str:
    return rng.choice([nat, " ".join(_group(nat, rng)), "-".join(_group(nat, rng)), f"({nat[:3]}) {nat[3:]}"])


def _w_prefix(rng: random.Random, nat: str) -> str:
    g = _group(nat, rng)
    return rng.choice(
        [f"+91 {nat}", f"+91-{nat}", f"+91{nat}", f"0{nat}", f"0{nat[:3]} {nat[3:6]} {nat[6:]}", f"0091 {nat}",
         f"91{nat}", f"+91 {' '.join(g)}", f"(+91) {nat}", f"+91-{'-'.join(g)}"]
    )  # fmt: skip


def _w_grouped(rng: random.Random, nat: str) -> str:
    k = rng.randrange(6)
    if k == 0:
        return " ".join(nat)
    if k == 1:
        return ".".join(nat[i : i + 2] for i in range(0, 10, 2))
    if k == 2:
        return "-".join(nat[i : i + 2] for i in range(0, 10, 2))
    if k == 3:
        return "-".join(nat)
    if k == 4:
        return f"{nat[:3]}.{nat[3:6]}.{nat[6:]}"
    return " - ".join(_group(nat, rng))


def _words(table: list[str], rng: random.Random, nat: str) -> str:
    sep = rng.choice([" ", " ", "-", ", ", "  "])
    return sep.join(table[int(d)] for d in nat)


def _w_words_en(rng: random.Random, nat: str) -> str:
    text = _words(_EN, rng, nat)
    return text.upper() if rng.random() < 0.2 else text.title() if rng.random() < 0.2 else text


def _w_words_hi_latn(rng: random.Random, nat: str) -> str:
    return _words(_HI_LATN, rng, nat)


def _w_words_hi(rng: random.Random, nat: str) -> str:
    return _words(_HI, rng, nat)


def _w_words_bn(rng: random.Random, nat: str) -> str:
    return _words(_BN, rng, nat)


def _mixed_pieces(rng: random.Random, nat: str) -> list[str]:
    pieces: list[str] = []
    i = 0
    while i < len(nat):
        d = nat[i]
        # a teen word now and then ("seventeen" for 17), as in the published forms
        if d == "1" and i + 1 < len(nat) and rng.random() < 0.3:
            pieces.append(_TEENS[int(nat[i + 1])])
            i += 2
            continue
        r = rng.random()
        if r < 0.45:
            pieces.append(d)
        elif r < 0.6 and d in _EN_ALT:
            pieces.append(rng.choice(_EN_ALT[d]))
        else:
            pieces.append(_EN[int(d)])
        i += 1
    return pieces


def _w_mixed(rng: random.Random, nat: str) -> str:
    """Digits and words glued into tokens: "for80 2sixseven one9zerofor", "six39856two23O"."""
    pieces = _mixed_pieces(rng, nat)
    out = pieces[0]
    for prev, p in itertools.pairwise(pieces):
        both_digits = prev[-1].isdigit() and p[0].isdigit()
        glue = "" if both_digits or rng.random() < 0.6 else rng.choice([" ", " ", "-"])
        out += glue + p
    if rng.random() < 0.5:
        out = out.capitalize() if rng.random() < 0.5 else out
    return out


def _w_mixed_sep(rng: random.Random, nat: str) -> str:
    """Mixed tokens with odd separators: "[773$2four0$13seventeen"."""
    sep = rng.choice(["$", "|", "*", "/", " ", "."])
    chunks = [nat[:3], nat[3:6], nat[6:]]
    out = []
    for c in chunks:
        out.append("".join(_EN[int(d)] if rng.random() < 0.35 else d for d in c))
    return sep.join(out)


def _w_lookalike(rng: random.Random, nat: str) -> str:
    spots = [i for i, d in enumerate(nat) if d in _LOOK]
    if not spots:
        return nat
    chosen = set(rng.sample(spots, k=rng.randrange(1, len(spots) + 1)))
    return "".join(rng.choice(_LOOK[d]) if i in chosen else d for i, d in enumerate(nat))


def _w_separators(rng: random.Random, nat: str) -> str:
    sep = rng.choice(_SEPS + _EMOJI)
    return sep.join(_group(nat, rng))


def _w_glued(rng: random.Random, nat: str) -> str:
    return rng.choice(
        [f"call{nat}", f"{nat}call", f"Ph:{nat}", f"No.{nat}", f"{nat}only", f"WhatsApp:{nat}", f"mob.{nat}",
         f"📞{nat}", f"{nat}✅", f"call/whatsapp-{nat}"]
    )  # fmt: skip


def _w_emoji_after(rng: random.Random, nat: str) -> str:
    e = rng.choice(_EMOJI)
    return rng.choice([f"{nat}{e}", f"{nat} {e}", f"{nat} {e}{e}", f"{' '.join(_group(nat, rng))} {e}"])


def _w_script(rng: random.Random, nat: str) -> str:
    digits = _SCRIPTS[rng.choice(list(_SCRIPTS))]
    conv = "".join(digits[int(d)] for d in nat)
    return conv if rng.random() < 0.5 else f"{conv[:5]} {conv[5:]}"


def _w_keycap(rng: random.Random, nat: str) -> str:
    return "".join(d + "\ufe0f\u20e3" for d in nat)


def _w_styled(rng: random.Random, nat: str) -> str:
    base = rng.choice([0xFF10, 0x1D7CE, 0x1D7EC, 0x1D7F6])  # fullwidth, math bold, sans-serif bold, monospace
    return "".join(chr(base + int(d)) for d in nat)


_PHONE_WRITERS: dict[str, Callable[[random.Random, str], str]] = {
    "plain": _w_plain,
    "prefix": _w_prefix,
    "grouped": _w_grouped,
    "words_en": _w_words_en,
    "words_hi_latn": _w_words_hi_latn,
    "words_hi_deva": _w_words_hi,
    "words_bn": _w_words_bn,
    "mixed_tokens": _w_mixed,
    "mixed_separators": _w_mixed_sep,
    "lookalike": _w_lookalike,
    "separators": _w_separators,
    "glued": _w_glued,
    "emoji_after": _w_emoji_after,
    "script_digits": _w_script,
    "keycap": _w_keycap,
    "styled": _w_styled,
}


def _w_intl(rng: random.Random) -> tuple[str, str, str]:
    """(written, region of the ad, E.164): a foreign number, in its own market or in an Indian ad."""
    region = rng.choice(_INTL)
    cc, nat = _intl(rng, region)
    e164 = f"+{cc}{nat}"
    num = phonenumbers.parse(e164)
    k = rng.randrange(5)
    if k == 0:
        written = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    elif k == 1:
        written = e164
    elif k == 2:
        written = f"00{cc} {nat}"
    else:  # national format, in an ad of that market
        written = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
        return written, region, e164
    return written, rng.choice([region, "IN"]), e164


def _w_sms_glued(rng: random.Random) -> tuple[str, str, str]:
    """UK premium-rate SMS/voice numbers glued to their tariff: "0871277810910p/min"."""
    while True:
        nat = rng.choice(["871", "872", "873", "870"]) + "".join(rng.choice("0123456789") for _ in range(7))
        if _valid("+44" + nat):
            break
    tariff = rng.choice(["10p/min", "13p/min", "15ppm", "10p per min", "25p/min", "p/min"])
    if tariff == "p/min":
        tariff = f"{rng.randrange(5, 60)}p/min"
    written = f"0{nat}{tariff}"
    return rng.choice([f"Live chat {written}", f"call {written} 18+", f"txt GIRLS to {written}"]), "GB", f"+44{nat}"


# The published forms quoted in issue 9, with the region of the ads they came from.
ISSUE_FORMS: list[tuple[str, str, list[str]]] = [
    ("for booking 9252760189", "IN", ["+919252760189"]),
    ("booking 78-08-41-48-52", "IN", ["+917808414852"]),
    ("for80 2sixseven one9zerofor", "US", ["+14802671904"]),
    ("six39856two23O", "IN", ["+916398562230"]),
    ("nine4684six0588", "IN", ["+919468460588"]),
    ("[773$2four0$13seventeen", "US", ["+17732401317"]),
    ("0871277810910p/min", "GB", ["+448712778109"]),
    ("call 9252760189🌹", "IN", ["+919252760189"]),
]


# --- negatives: numbers that are not phones -------------------------------------------------------------------------
def _negative(rng: random.Random) -> str:
    d10 = _in_mobile(rng)  # shaped like a mobile number on purpose: only the context says it is not one
    k = rng.randrange(20)
    forms = [
        f"Date {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(10, 29)}",
        f"on 20{rng.randint(10, 29)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} at {rng.randint(1, 12)}:30",
        f"Rates Rs {rng.choice([1500, 2000, 3000, 5000])} only, {rng.choice([8000, 10000])} full night",
        f"₹ {rng.randint(1, 9)},{rng.randint(10, 99)},000 package",
        f"Height 5'{rng.randint(1, 11)}, figure 36-{rng.randint(24, 30)}-36, {rng.randint(150, 175)} cm",
        f"PIN {rng.randint(110001, 855999)} Delhi",
        f"Pincode: {rng.randint(110001, 855999)}",
        f"Order no {d10} is confirmed",
        f"Order ID: {d10}",
        f"PNR {rng.randint(10**9, 10**10 - 1)}",
        f"UTR {rng.randint(10**11, 10**12 - 1)} received",
        f"Aadhaar {rng.randint(2000, 9999)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        f"IMEI 35{rng.randint(10**12, 10**13 - 1)}",
        f"Account no {rng.randint(10**10, 10**11 - 1)}",
        f"salary {rng.randint(10, 30)}000-{rng.randint(31, 60)}000 per month",
        f"Since 20{rng.randint(10, 19)}, in 20{rng.randint(20, 29)}",
        f"Invoice #{d10}",
        f"{rng.randint(1, 9)},{rng.randint(10, 99)},{rng.randint(100, 999)} views",
        f"Rs {rng.randint(1000000, 9999999)} loan approved",
        f"ticket no {d10}",
    ]
    return forms[k]


# --- prices --------------------------------------------------------------------------------------------------------
def _price_case(rng: random.Random) -> tuple[str, str, str, str, str | list[str]]:
    """(text, region, family, script, expected value or values)."""
    k = rng.randrange(12)
    usd = rng.choice([60, 80, 100, 120, 150, 160, 200, 250, 300, 400])
    inr = rng.choice([1500, 2000, 2500, 3000, 3500, 4000, 5000, 8000, 10000])
    us_unit = rng.choice(
        [("hh", "half_hour"), ("qk", "quick"), ("qv", "quick"), ("h", "hour"), ("hr", "hour"), ("1hr", "hour"),
         ("hour", "hour"), ("overnight", "night"), ("30min", "half_hour")]
    )  # fmt: skip
    if k == 0:  # unit first, US
        sep = rng.choice([" ", "-", " - ", ": ", "=", " $", "/"])
        u = us_unit[0].upper() if rng.random() < 0.3 else us_unit[0].capitalize() if rng.random() < 0.3 else us_unit[0]
        return f"specials {u}{sep}{usd} incall", "US", "unit_first", "latin", f"{usd} USD/{us_unit[1]}"
    if k == 1:  # two unit-first rates in a row
        return (f"Rates: hh {usd}, h {usd + 80}, overnight 1000", "US", "unit_first", "latin",
                [f"{usd} USD/half_hour", f"{usd + 80} USD/hour", "1000 USD/night"])  # fmt: skip
    if k == 2:  # amount with per-duration
        unit, word = rng.choice([("hour", "/hr"), ("hour", " per hour"), ("night", " per night"), ("hour", "/1hr"),
                                 ("half_hour", "/hh"), ("half_hour", " per 30 min"), ("hour", " for 1 hr"),
                                 ("half_hour", "/half hour"), ("shot", " per shot")])  # fmt: skip
        cur = rng.choice(["$", "", "USD "])
        return f"only {cur}{usd}{word} donation", "US", "per_duration", "latin", f"{usd} USD/{unit}"
    if k == 3:  # Indian rupee currency first
        cur = rng.choice(["Rs ", "Rs.", "₹", "INR ", "₹ "])
        unit, word = rng.choice([("hour", "/hr"), ("night", " full night"), ("shot", " per shot"), ("", ""),
                                 ("hour", " for 1 hr"), ("hour", " 1 hour")])  # fmt: skip
        tail = f"/{unit}" if unit else ""
        return f"Rate {cur}{inr}{word} only", "IN", "currency_first", "latin", f"{inr} INR{tail}"
    if k == 4:  # amount first
        cur = rng.choice(["/-", " rs", " rupees", " INR", "rs"])
        return f"Charges {inr}{cur} fix", "IN", "amount_first", "latin", f"{inr} INR"
    if k == 5:  # unit first, India
        unit, word = rng.choice([("shot", "short"), ("night", "full night"), ("night", "night"), ("hour", "1 hour"),
                                 ("shot", "1 shot"), ("hour", "1hr")])  # fmt: skip
        sep = rng.choice([" ", " - ", ": ", " = ", " rs ", " ₹"])
        return f"{word}{sep}{inr}, no advance", "IN", "unit_first", "latin", f"{inr} INR/{unit}"
    if k == 6:  # k-multiplier
        n = rng.choice([2, 3, 5, 8, 10])
        return (
            f"short {n}k full night {n * 3}k",
            "IN",
            "multiplier",
            "latin",
            [
                f"{n * 1000} INR/shot",
                f"{n * 3000} INR/night",
            ],
        )
    if k == 7:  # roses
        form = rng.choice(["{u} roses", "🌹{u}", "{u} 🌹", "{u} Roses/hr"])
        unit = "/hour" if "/hr" in form else ""
        return f"donation {form.format(u=usd)}", "US", "roses", "latin", f"{usd} roses{unit}"
    if k == 8:  # Devanagari
        d = "".join(_SCRIPTS["deva"][int(c)] for c in str(inr))
        return (
            rng.choice([f"रेट {d} रुपये प्रति घंटा", f"सिर्फ ₹{d} एक घंटा"]),
            "IN",
            "currency_first",
            "deva",
            (f"{inr} INR/hour"),
        )
    if k == 9:  # Bengali
        d = "".join(_SCRIPTS["beng"][int(c)] for c in str(inr))
        return f"ঢাকা, রেট {d} টাকা", "BD", "amount_first", "beng", f"{inr} BDT"
    if k == 10:  # Bangladesh taka sign
        return f"rate ৳{inr}/hr", "BD", "currency_first", "latin", f"{inr} BDT/hour"
    # GB / other markets: per-duration with pound sign
    gbp = rng.choice([80, 100, 120, 150])
    return (
        f"£{gbp} per hour, £{gbp * 6} overnight",
        "GB",
        "per_duration",
        "latin",
        [
            f"{gbp} GBP/hour",
            f"{gbp * 6} GBP/night",
        ],
    )


# --- ages ----------------------------------------------------------------------------------------------------------
def _age_case(rng: random.Random) -> tuple[str, str, str, list[str]]:
    """(text, family, script, expected ages)."""
    a = rng.randint(18, 35)
    b = a + rng.randint(3, 15)
    k = rng.randrange(10)
    if k == 0:
        form = rng.choice([f"{a} yrs", f"{a} years old", f"{a}yo", f"{a} y/o", f"{a}yrs"])
        return f"{form} girl", "single", "latin", [str(a)]
    if k == 1:
        return rng.choice([f"Age {a}", f"age: {a}", f"aged {a}", f"Age - {a}"]) + ", slim", "single", "latin", [str(a)]
    if k == 2:
        return rng.choice([f"hi im {a}", f"I'm {a} and new in town", f"I am {a} years"]), "single", "latin", [str(a)]
    if k == 3:
        return f"{a} saal ki ladki", "single", "hinglish", [str(a)]
    if k == 4:
        d = "".join(_SCRIPTS["deva"][int(c)] for c in str(a))
        return rng.choice([f"उम्र {d} साल", f"{d} साल की लड़की"]), "single", "deva", [str(a)]
    if k == 5:
        d = "".join(_SCRIPTS["beng"][int(c)] for c in str(a))
        return f"বয়স {d} বছর", "single", "beng", [str(a)]
    if k == 6:
        return (
            rng.choice([f"girls {a} to {b}", f"college girls {a}-{b} available", f"ladies from {a} to {b}"]),
            ("range"),
            "latin",
            [str(a), str(b)],
        )
    if k == 7:
        return rng.choice([f"between {a}-{b} years", f"{a}-{b} yrs", f"age {a} to {b}", f"aged {a}-{b}",
                           f"ages {a} - {b}"]), "range", "latin", [str(a), str(b)]  # fmt: skip
    if k == 8:
        return f"{a} se {b} saal ki ladkiyan", "range", "hinglish", [str(a), str(b)]
    return f"{a}-{b} वर्ष की लड़कियां", "range", "deva", [str(a), str(b)]


# --- handles -------------------------------------------------------------------------------------------------------
_NAME_A = ["lily", "rose", "sexy", "hot", "miss", "sweet", "baby", "angel", "queen", "kitty", "honey", "cutie"]
_NAME_B = ["pari", "nisha", "diva", "doll", "star", "girl", "moon", "jaan", "riya", "mira"]


def _handle_name(rng: random.Random) -> str:
    a, b = rng.choice(_NAME_A), rng.choice(_NAME_B)
    return rng.choice([f"{a}_{b}{rng.randint(1, 99)}", f"{a}{b}{rng.randint(10, 999)}", f"{a}.{b}", f"{a}_{b}"])


_HANDLE_FORMS: dict[str, list[str]] = {
    "wechat": ["wechat ID: {h}", "WeChat: {h}", "wechat id - {h}", "Wechat {h} add me", "we chat: {h}", "weixin: {h}",
               "add my wechat: {h}", "WeChat ID {h}"],
    "snapchat": ["snapchat me: {h}", "snap: {h}", "SC @{h}", "snapchat - {h}", "add me on snapchat: {h}",
                 "👻 {h}", "my snap is {h}", "Snapchat ID: {h}"],
    "telegram": ["t.me/{h}", "telegram @{h}", "TG: @{h}", "telegram - {h}", "Telegram ID: {h}",
                 "msg me on telegram @{h}"],
    "instagram": ["insta: @{h}", "IG - {h}", "instagram.com/{h}", "follow me on insta @{h}", "@{h} on insta",
                  "Instagram ID: {h}", "📸 {h}"],
}  # fmt: skip


def _handle_case(rng: random.Random) -> tuple[str, str, str]:
    platform = rng.choice(list(_HANDLE_FORMS))
    name = _handle_name(rng)
    if platform == "wechat":  # WeChat IDs: letters, digits, "_" and "-" only
        name = name.replace(".", "_")
    if platform == "telegram":
        name = name.replace(".", "_")
        if len(name) < 5:
            name += "_vip"
    if platform == "snapchat":
        name = name[:15].rstrip("._")
    form = rng.choice(_HANDLE_FORMS[platform])
    carrier = rng.choice(["{x} for pics", "Contact {x}", "{x}", "new in town, {x} xoxo", "serious only {x} 💋"])
    return carrier.format(x=form.format(h=name)), platform, f"{platform}:{name.lower()}"


# --- the set -------------------------------------------------------------------------------------------------------
def cases(seed: int = 9, per_family: int = 300) -> list[Case]:
    rng = random.Random(seed)
    out: list[Case] = []
    for family, writer in _PHONE_WRITERS.items():
        for _ in range(per_family):
            nat = _in_mobile(rng)
            written = writer(rng, nat)
            script = None
            if family in ("words_hi_deva",):
                script = "deva"
            elif family == "words_bn":
                script = "beng"
            text, s = _carry(rng, written, script)
            out.append(Case(text, "IN", "phone", family, s, [("phone", "+91" + nat)]))
    for _ in range(per_family):
        written, region, e164 = _w_intl(rng)
        text, s = _carry(rng, written, "latin")
        out.append(Case(text, region, "phone", "international", s, [("phone", e164)]))
    for _ in range(per_family // 3):
        text, region, e164 = _w_sms_glued(rng)
        out.append(Case(text, region, "phone", "glued", "latin", [("phone", e164)]))
    for text, region, e164s in ISSUE_FORMS:
        out.append(Case(text, region, "phone", "issue", "latin", [("phone", e) for e in e164s]))
    for _ in range(per_family * 2):
        out.append(Case(_negative(rng), "IN", "negative", "negative", "latin"))
    for _ in range(per_family * 3):
        text, region, family, script, value = _price_case(rng)
        values = value if isinstance(value, list) else [value]
        out.append(Case(text, region, "price", family, script, [("price", v) for v in values]))
    for text, value in (("hh 120", "120 USD/half_hour"), ("qk-60", "60 USD/quick"), ("Hh-100", "100 USD/half_hour")):
        out.append(Case(text, "US", "price", "issue", "latin", [("price", value)]))
    for _ in range(per_family * 2):
        text, family, script, ages = _age_case(rng)
        out.append(Case(text, "IN", "age", family, script, [("age", a) for a in ages]))
    for text, ages in (("girls 18 to 25", ["18", "25"]), ("between 18-35 years", ["18", "35"])):
        out.append(Case(text, "IN", "age", "issue", "latin", [("age", a) for a in ages]))
    for _ in range(per_family * 2):
        text, platform, value = _handle_case(rng)
        out.append(Case(text, "IN", "handle", platform, "latin", [("handle", value)]))
    for text, value in (("wechat ID: xxlily88", "wechat:xxlily88"), ("snapchat me: lily_88x", "snapchat:lily_88x")):
        out.append(Case(text, "IN", "handle", "issue", "latin", [("handle", value)]))
    for kind, region, text, want in HOLDOUT:
        out.append(Case(text, region, kind, "holdout", "mixed", [(kind, v) for v in want]))
    for kind, region, text in NOT_THESE:
        out.append(Case(text, region, kind, "none_expected", "latin", []))
    return out


# Written after the fixes, from forms not used while fixing (a small check that the mechanisms, not the examples,
# were fixed). Reported as its own family; never tuned against.
HOLDOUT: list[tuple[str, str, str, list[str]]] = [
    ("phone", "IN", "☎️ 98 450 12 345", ["+919845012345"]),
    ("phone", "IN", "Ph. No.: 98450-12345", ["+919845012345"]),
    ("phone", "IN", "(+91) 98450 12345", ["+919845012345"]),
    ("phone", "IN", "+91.98450.12345", ["+919845012345"]),
    ("phone", "IN", "nine8 four5 zero1 two3 four5", ["+919845012345"]),
    ("phone", "IN", "9 eight 4 five 0 one 2 three 4 five", ["+919845012345"]),
    ("phone", "IN", "NINE-EIGHT-4-5-0-ONE-2-3-FOUR-5", ["+919845012345"]),
    ("phone", "IN", "call me at 98 45 O1 23 45", ["+919845012345"]),
    ("phone", "IN", "9845-O12-345", ["+919845012345"]),
    ("phone", "IN", "৯৮৪৫০ এক দুই তিন চার পাঁচ", ["+919845012345"]),
    ("phone", "IN", "98450 एक दो तीन चार पांच", ["+919845012345"]),
    ("phone", "IN", "नौ8४5०12345", ["+919845012345"]),
    ("phone", "US", "(773) 240-1317", ["+17732401317"]),
    ("phone", "US", "773.240.1317", ["+17732401317"]),
    ("phone", "US", "seven7three 2four0 13one7", ["+17732401317"]),
    ("phone", "US", "7 7 3 - 2 4 0 - 1 3 1 7", ["+17732401317"]),
    ("phone", "GB", "07911 123456", ["+447911123456"]),
    ("phone", "GB", "+44 (0)7911 123456", ["+447911123456"]),
    ("phone", "IN", "booking/whatsapp: 98450 12345 💋💋", ["+919845012345"]),
    ("phone", "IN", "Order karne ke liye 9845012345", ["+919845012345"]),
    ("price", "US", "$150 hh", ["150 USD/half_hour"]),
    ("price", "US", "150$/hr", ["150 USD/hour"]),
    ("price", "US", "HH: 150", ["150 USD/half_hour"]),
    ("price", "US", "1hr: $200", ["200 USD/hour"]),
    ("price", "US", "Quickie 80", ["80 USD/quick"]),
    ("price", "US", "30 mins 100", ["100 USD/half_hour"]),
    ("price", "IN", "Rs 1500/- per hour", ["1500 INR/hour"]),
    ("price", "IN", "1500 rs/hr", ["1500 INR/hour"]),
    ("price", "IN", "₹2.5k/night", ["2500 INR/night"]),
    ("price", "IN", "2.5k full night", ["2500 INR/night"]),
    ("price", "IN", "৫০০০ টাকা প্রতি রাত", ["5000 INR/night"]),
    ("price", "IN", "5000 रुपये प्रति रात", ["5000 INR/night"]),
    ("price", "IN", "night 6000/-", ["6000 INR/night"]),
    ("age", "IN", "Age:21", ["21"]),
    ("age", "IN", "21 yr old", ["21"]),
    ("age", "IN", "21 y.o. model", ["21"]),
    ("age", "IN", "(21 yrs)", ["21"]),
    ("age", "IN", "umar 21", ["21"]),
    ("age", "IN", "21-24 yrs girls", ["21", "24"]),
    ("age", "IN", "ladkiyan 18 se 22 saal", ["18", "22"]),
    ("age", "IN", "models aged 20 to 26", ["20", "26"]),
    ("handle", "IN", "IG @lily_88", ["instagram:lily_88"]),
    ("handle", "IN", "Snap - lily88", ["snapchat:lily88"]),
    ("handle", "IN", "snapchat ~ lily88", ["snapchat:lily88"]),
    ("handle", "IN", "wechat: lily88x", ["wechat:lily88x"]),
    ("handle", "IN", "WeChat ID is lily88x", ["wechat:lily88x"]),
    ("handle", "IN", "kik: lily88x", ["kik:lily88x"]),
    ("handle", "IN", "add me on instagram lily_88", ["instagram:lily_88"]),
    ("handle", "IN", "telegram: @lily88x", ["telegram:lily88x"]),
]


# Texts that hold no price, age or handle although they look close (times, durations, counts, measurements, words
# after a platform name). Every identifier of the kind reported on them is a false positive.
NOT_THESE: list[tuple[str, str, str]] = [
    ("price", "IN", "Open 10 to 6, for 2 to 3 hours"),
    ("price", "IN", "1 hr 30 min drive from the station"),
    ("price", "IN", "available day 2024 and night 2025"),
    ("price", "IN", "room 204, floor 3, 2 girls"),
    ("price", "US", "hh in 20 min, h after 9"),
    ("price", "IN", "5 years experience, 10 years ago"),
    ("price", "IN", "height 5'4, 34-28-36, 60 kg"),
    ("price", "IN", "PIN 110001, sector 15"),
    ("age", "IN", "Call between 10 to 12 only"),
    ("age", "IN", "timing 10 to 12, 2 to 5"),
    ("age", "IN", "figure 36-24-36, 165 cm"),
    ("age", "IN", "5 years experience in spa"),
    ("age", "IN", "I'm 30 min away"),
    ("age", "IN", "since 2018-25 in business"),
    ("age", "IN", "rooms 20 to 30 available"),
    ("age", "IN", "for 10 years in Mumbai"),
    ("handle", "IN", "snap pics available"),
    ("handle", "IN", "insta - only serious"),
    ("handle", "IN", "wechat available on request"),
    ("handle", "IN", "snapchat premium videos"),
    ("handle", "IN", "telegram channel link in bio"),
    ("handle", "IN", "add me on insta"),
    ("handle", "IN", "we chat daily"),
    ("handle", "IN", "DM on IG for rates"),
]
