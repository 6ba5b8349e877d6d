"""Stream a synthetic corpus of (post, truth) pairs, deterministic for a seed, in constant memory.

The corpus is made chunk by chunk (``chunk`` posts in data/mix.yaml). Each chunk is planned first as a list of
small slots -- "member j of operation k", "a one-off benign job ad" -- and shuffled; posts are then rendered one at a
time in that order. Operations, independent reposters and agencies live inside one chunk, so memory never depends on
n. Every random choice comes from one ``random.Random`` per chunk, seeded from (seed, chunk number).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from tipwatch.synth import idents, images, render
from tipwatch.synth.actor import Actor, Ctx
from tipwatch.synth.knowledge import City, Frame, Platform, check_slots, knowledge
from tipwatch.synth.plan import Chunk, World, pick_city, pick_frame, pick_platform
from tipwatch.synth.rand import between, pick
from tipwatch.synth.slots import SLOT_FUNCTIONS


@cache
def _day(days: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(days * 86400))


def _format_ts(ts: float) -> str:
    """ISO 8601 UTC; the date part is cached per day (strftime per post was a hot spot)."""
    t = int(ts)
    days, sec = divmod(t, 86400)
    return f"{_day(days)}T{sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}Z"


def _location(rng: random.Random, platform: Platform, city: City, lang: str) -> str:
    name = city.local[lang] if lang in ("hi", "bn") and rng.random() < 0.3 else pick(rng, city.shown)
    return platform.location.format(city=name, state=city.state, locality=pick(rng, city.localities))


def _render_post(chunk: Chunk, index: int, entry: tuple[Any, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    rng, world = chunk.rng, chunk.world
    mix = knowledge().mix
    group, j = entry
    hard: set[str] = set()
    extra: str | None = None
    template_key: str | None = None
    if group is None:
        category = j
        frame = pick_frame(rng, category)
        actor = Actor(category, frame.label)
        city = pick_city(rng, frame.lang)
        ts = world.start + rng.random() * world.window
        ctx = Ctx(rng, actor, frame, city, ts)
        mess_rate = mix["mess_rate"][frame.label]
        title, body = render.render_fresh(ctx, mess_rate)
        image_list = _single_images(rng, world, frame, index, hard)
    else:
        actor, member = group
        frame = actor.frames[0] if len(actor.frames) == 1 or rng.random() < 0.78 else actor.frames[1]
        size = actor.size
        if actor.group == "org":
            city = member.circuit[0]
            ts = world.start + rng.random() * world.window
        else:
            city = member.circuit[j * len(member.circuit) // size]
            ts = member.start + j * member.interval + rng.uniform(-0.3, 0.3) * member.interval
            ts = min(max(ts, world.start), world.start + world.window - 1.0)
        ctx = Ctx(rng, actor, frame, city, ts)
        nphones = len(actor.phones)
        if nphones > 1 and actor.rotation == "random":
            ctx.phone_idx = rng.randrange(nphones)
        elif nphones > 1:
            # Phones rotate over the operation's life; around a switch both are given, which chains them.
            ctx.phone_idx = j * nphones // size
            ctx.two_phones = rng.random() < 0.3
        mess_rate = mix["mess_rate"][actor.label]
        extra = actor.shared_phrase
        template = actor.templates.get(frame.id)
        if template is not None:
            template_key = f"{actor.network_id}:{frame.id}"
            drift = 0.3 if actor.group == "indep" else float(mix["network"]["section_drift"])
            title, body = render.render_template(ctx, template, drift, mess_rate, extra)
        else:
            title, body = render.render_fresh(ctx, mess_rate, extra)
        hard.update(actor.hard_cases)
        image_list = _group_images(rng, actor, frame)
    category = frame.category
    platform = (
        pick_platform(rng, frame.kind)
        if group is None or actor.group == "org"
        else _group_platform(rng, actor, frame.kind)
    )
    body = _footers(ctx, world, platform, body, hard)
    if category in mix["category_hard_cases"]:
        hard.add(mix["category_hard_cases"][category])
    pid = f"syn-{world.seed}-{index}"
    if chunk.images_dir is not None:
        _write_images(chunk, chunk.images_dir, image_list)
    post = {
        "id": pid,
        "url": platform.url.format(city_slug=city.key, ad_id=between(rng, 10**6, 10**9)),
        "platform": platform.name,
        "kind": frame.kind,
        "title": title,
        "body": body,
        "posted_at": _format_ts(ts),
        "location": _location(rng, platform, city, frame.lang),
        "images": [im[0] for im in image_list],
    }
    truth = {
        "id": pid,
        "label": frame.label,
        "category": category,
        "network_id": actor.network_id,
        "language": frame.lang,
        "template_id": frame.id,
        "template_key": template_key,
        "indicators": sorted(ctx.inds),
        "hard_cases": sorted(hard),
        "city": city.key,
        "identifiers": ctx.idents,
        "images": [{"file": f, "base": b, "transform": t} for f, b, t in image_list],
    }
    return post, truth


def _group_platform(rng: random.Random, actor: Actor, kind: str) -> Platform:
    # An operation sticks to a few platforms per kind, chosen when first needed.
    plats = actor.platforms.get(kind)
    if plats is None:
        pool = knowledge().platforms_by_kind[kind]
        count = actor.cross_sites or between(rng, 1, 3)
        plats = rng.sample(pool, min(len(pool), count))
        actor.platforms[kind] = plats
    return pick(rng, plats)


def _single_images(
    rng: random.Random, world: World, frame: Frame, index: int, hard: set[str]
) -> list[tuple[str, str, str]]:
    lo, hi = knowledge().mix["images_per_post"][frame.kind]
    count = between(rng, lo, hi)
    out = []
    for _ in range(count):
        if frame.label == 0 and frame.kind in ("job_ad", "social_post", "other") and rng.random() < 0.1:
            name = pick(rng, world.stock)  # stock photo many unrelated posts use
            hard.add("stock_image")
        else:
            name = f"{rng.getrandbits(64):016x}.jpg"  # one-off photo: random, so unique
        out.append((name, name, "original"))
    return out


def _group_images(rng: random.Random, actor: Actor, frame: Frame) -> list[tuple[str, str, str]]:
    pool = actor.images
    if not pool:
        return []
    lo, hi = knowledge().mix["images_per_post"][frame.kind]
    count = min(len(pool), max(1, between(rng, lo, hi)))
    out = []
    for entry in rng.sample(pool, count):
        base = entry[0][0]
        name, transform = entry[0] if len(entry) == 1 or rng.random() < 0.6 else pick(rng, entry[1:])
        out.append((name, base, transform))
    return out


def _footers(ctx: Ctx, world: World, platform: Platform, body: str, hard: set[str]) -> str:
    rng = ctx.rng
    if platform.footer and rng.random() < platform.footer_rate:
        phone = world.hub_phone[platform.name]
        written = idents.write_phone(rng, "IN", phone, "plain")
        email = world.hub_email[platform.name]
        body = body + "\n" + platform.footer.replace("{hub_phone}", written).replace("{hub_email}", email)
        ctx.idents.append(
            {"type": "phone", "value": idents.e164("IN", phone), "written": written, "style": "plain", "hub": True}
        )
        if "{hub_email}" in platform.footer:
            ctx.idents.append({"type": "email", "value": email, "written": email, "style": "plain", "hub": True})
        hard.add("hub_identifier")
    for hub in world.agency_hubs:
        if ctx.frame.category in hub["categories"] and rng.random() < hub["rate"]:
            body = body + "\n" + hub["text"].replace("{value}", hub["value"])
            ctx.idents.append(
                {"type": "email", "value": hub["value"], "written": hub["value"], "style": "plain", "hub": True}
            )
            hard.add("hub_identifier")
    return body


def _write_images(chunk: Chunk, folder: Path, image_list: list[tuple[str, str, str]]) -> None:
    world = chunk.world
    for name, base, transform in image_list:
        if name in world.stock:
            if name in world.stock_written:
                continue
            world.stock_written.add(name)
        elif name in chunk.written:
            continue
        else:
            chunk.written.add(name)
        images.write_image(folder, name, base, transform)


def generate(n: int, seed: int, *, images_dir: Path | None = None) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Yield ``n`` (post, truth) pairs for ``seed``; with ``images_dir``, also write every referenced image there.

    Deterministic: the same (n, seed) gives the same pairs and image bytes. Streaming: memory is bounded by one chunk.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    check_slots(knowledge(), set(SLOT_FUNCTIONS))
    if images_dir is not None:
        images_dir.mkdir(parents=True, exist_ok=True)
    world = World(seed)
    chunk_size = int(knowledge().mix["chunk"])
    nchunks = max(1, math.ceil(n / chunk_size)) if n else 0
    counters = {"op": 0, "indep": 0, "org": 0}
    index = 0
    for c in range(nchunks):
        size = n // nchunks + (1 if c < n % nchunks else 0)
        rng = random.Random(f"tipwatch-synth:{seed}:{c}")
        chunk = Chunk(rng, world, size, counters, images_dir)
        for entry in chunk.plan:
            yield _render_post(chunk, index, entry)
            index += 1
        del chunk, entry  # free this chunk before planning the next: peak memory is one chunk, not two
