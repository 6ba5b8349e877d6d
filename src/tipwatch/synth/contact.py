"""Slot functions that plant identifiers: phones in many disguises, handles, WhatsApp links, emails, wallets.

Each records what it wrote in the post's truth (type, normalized value, the exact written form, the style), so
extraction can be scored span by span against the ground truth.
"""

from __future__ import annotations

from collections.abc import Callable

from tipwatch.synth import idents
from tipwatch.synth.actor import Ctx
from tipwatch.synth.knowledge import knowledge
from tipwatch.synth.rand import pick

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
            out.append(CHANNELS[channel](ctx))
    return "".join(out)


# The channels an actor may add to a contact line (Actor.channels names them).
CHANNELS: dict[str, Callable[[Ctx], str]] = {
    "email": slot_email,
    "ig": slot_ig,
    "snap": slot_snap,
    "tg": slot_tg,
    "wa": slot_wa,
}
