"""Turn a frame into text for one post: pick alternatives, fill slots, add human mess.

Frames are written afresh for one-off posts (each section picks its own alternative) or through an operation's
fixed template (choices made once, slots refilled per post, now and then one section rewritten).
"""

from __future__ import annotations

import random

from tipwatch.synth.actor import Ctx, Parts, Template
from tipwatch.synth.knowledge import Alt, Frame, Slot, knowledge
from tipwatch.synth.rand import between, pick
from tipwatch.synth.slots import SLOT_FUNCTIONS

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


def make_template(rng: random.Random, frame: Frame) -> Template:
    """An operation's fixed text: each section's alternative and word choices fixed once; slots stay open."""
    inds: set[str] = set()
    title = resolve_words(rng, pick(rng, frame.title), frame.lang, inds)
    title_inds = tuple(sorted(inds))
    body: list[tuple[Parts, tuple[str, ...]]] = []
    for sec in frame.body:
        s_inds: set[str] = set()
        body.append((resolve_words(rng, pick(rng, sec), frame.lang, s_inds), tuple(sorted(s_inds))))
    return (title, title_inds), body, pick_sep(rng)


def render_template(ctx: Ctx, template: Template, drift: float, mess_rate: float, extra: str | None) -> tuple[str, str]:
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
