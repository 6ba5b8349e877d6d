"""Stream a synthetic corpus of (post, truth) pairs, deterministic for a seed, in constant memory.

The corpus is made chunk by chunk (``chunk`` posts in data/mix.yaml). Each chunk is planned first as a list of
small slots -- "member j of operation k", "a one-off benign job ad" -- and shuffled; posts are then rendered one at a
time in that order. Operations, independent reposters and agencies live inside one chunk, so memory never depends on
n. Every random choice comes from one ``random.Random`` per chunk, seeded from (seed, chunk number).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import time
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from tipwatch.synth import idents, images, render
from tipwatch.synth.knowledge import City, Frame, Platform, knowledge
from tipwatch.synth.rand import between, pick
from tipwatch.synth.render import Actor, Ctx

# Chance that a section carries one human slip (case, stretched or swapped letters, text-speak).
_MESS_INDICATIVE = 0.15
_MESS_BENIGN = 0.06


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    r = rng.random() * sum(weights.values())
    for key, w in weights.items():
        r -= w
        if r < 0:
            return key
    return key


@cache
def _city_table(lang: str) -> tuple[tuple[City, ...], tuple[float, ...]]:
    know = knowledge()
    regions = know.lang_regions[lang]
    cities = tuple(c for c in know.cities if regions.get(c.region, 0) > 0)
    cum = tuple(itertools.accumulate(c.weight * regions[c.region] for c in cities))
    return cities, cum


def _pick_city(rng: random.Random, lang: str) -> City:
    cities, cum = _city_table(lang)
    return cities[bisect.bisect_right(cum, rng.random() * cum[-1])]


@cache
def _frame_table(category: str) -> tuple[tuple[Frame, ...], tuple[float, ...]]:
    frames = knowledge().frames_by_category[category]
    return frames, tuple(itertools.accumulate(f.weight for f in frames))


def _pick_frame(rng: random.Random, category: str) -> Frame:
    frames, cum = _frame_table(category)
    return frames[bisect.bisect_right(cum, rng.random() * cum[-1])]


@cache
def _platform_table(kind: str) -> tuple[tuple[Platform, ...], tuple[float, ...]]:
    plats = knowledge().platforms_by_kind[kind]
    return plats, tuple(itertools.accumulate(p.kinds[kind] for p in plats))


def _pick_platform(rng: random.Random, kind: str) -> Platform:
    plats, cum = _platform_table(kind)
    return plats[bisect.bisect_right(cum, rng.random() * cum[-1])]


class _World:
    """Corpus-wide facts: the time window, platform support contacts (hub identifiers), stock photos."""

    def __init__(self, seed: int) -> None:
        know = knowledge()
        mix = know.mix
        rng = random.Random(f"tipwatch-synth:{seed}:world")
        self.seed = seed
        self.start = datetime.fromisoformat(mix["start"].replace("Z", "+00:00")).timestamp()
        self.window = float(mix["window_days"]) * 86400.0
        self.hub_phone: dict[str, str] = {}
        self.hub_email: dict[str, str] = {}
        for p in know.platforms:
            if p.footer:
                self.hub_phone[p.name] = idents.random_phone(rng, "IN")
                self.hub_email[p.name] = f"support@{p.domain}"
        self.agency_hubs = [
            {**h, "value": f"{h['local']}@{h['domain']}", "categories": frozenset(h["categories"])} for h in know.hubs
        ]
        self.stock = [idents.opaque_name(seed, "stock", i) for i in range(6)]
        self.stock_written: set[str] = set()


class _Member:
    """Where a group's member post sits: its city and time are fixed by its place on the circuit."""

    __slots__ = ("circuit", "interval", "start")

    def __init__(self, circuit: list[City], start: float, interval: float) -> None:
        self.circuit = circuit
        self.start = start
        self.interval = interval


def _region_cities(rng: random.Random, lang: str, max_cities: int) -> list[City]:
    first = _pick_city(rng, lang)
    same = [c for c in knowledge().cities if c.region == first.region and c is not first]
    m = 1 if rng.random() < 0.3 else between(rng, 2, max_cities)
    circuit = [first, *rng.sample(same, min(len(same), m - 1))]
    if len(circuit) > 2 and rng.random() < 0.3:
        circuit.append(first)  # back where it started: a loop
    return circuit


def _image_pool(
    rng: random.Random, seed: int, nid: str, bases: int, variant_rate: float
) -> list[list[tuple[str, str]]]:
    """A group's photos: per base image, the base itself and its reposted variants, as (file, transform)."""
    pool = []
    for b in range(bases):
        base = idents.opaque_name(seed, nid, "img", b)
        entry = [(base, "original")]
        if rng.random() < variant_rate:
            for v in range(1 if rng.random() < 0.7 else 2):
                entry.append((idents.opaque_name(seed, nid, "img", b, "v", v), pick(rng, images.TRANSFORMS)))
        pool.append(entry)
    return pool


def _make_operation(rng: random.Random, world: _World, nid: str, size: int) -> tuple[Actor, _Member]:
    know = knowledge()
    mix = know.mix
    net = mix["network"]
    category = _weighted(rng, mix["indicative_categories"])
    a = Actor(category, 1, "op", nid)
    a.size = size
    primary = _pick_frame(rng, category)
    a.frames = [primary]
    if rng.random() < net["second_kind_share"]:
        others = [f for f in know.frames_by_category[category] if f.kind != primary.kind]
        same_lang = [f for f in others if f.lang == primary.lang]
        if same_lang or others:
            a.frames.append(pick(rng, same_lang or others))
    a.lang = primary.lang
    if rng.random() < net["template_share"]:
        a.templates = {f.id: render.make_template(rng, f) for f in a.frames}
    circuit = _region_cities(rng, primary.lang, int(net["circuit_max_cities"]))
    region = circuit[0].region
    a.region = "NP" if region == "nepal" else "BD" if region == "bangladesh" else "IN"
    nphones = 1 if rng.random() < 0.6 else between(rng, 2, int(net["phones_max"]))
    a.phones = [(a.region, idents.random_phone(rng, a.region)) for _ in range(nphones)]
    if category == "labour_trafficking" and rng.random() < 0.3:
        a.phones.append(("AE", idents.random_phone(rng, "AE")))  # the agent abroad
    channels = []
    scam = primary.id.endswith("scamcompound")
    for ch, p in (
        ("tg", 0.8 if scam else 0.3),
        ("ig", 0.2 if category == "sex_trafficking" else 0.05),
        ("email", 0.3),
        ("snap", 0.1 if category == "sex_trafficking" else 0.0),
        ("wa", 0.25),
    ):
        if rng.random() < p:
            channels.append(ch)
    a.channels = tuple(channels)
    bases = between(rng, 2, 8) if category != "labour_trafficking" else between(rng, 0, 3)
    a.images = _image_pool(rng, world.seed, nid, bases, 0.6)
    lo, hi = net["days_between_posts"]
    interval = rng.uniform(lo, hi) * 86400.0
    if interval * (size - 1) > world.window * 0.9:
        interval = world.window * 0.9 / max(1, size - 1)
    start = world.start + rng.uniform(0, world.window - interval * (size - 1))
    return a, _Member(circuit, start, interval)


def _make_independent(rng: random.Random, world: _World, nid: str, size: int) -> tuple[Actor, _Member]:
    mix = knowledge().mix
    category = _weighted(rng, mix["independent_repost_categories"])
    a = Actor(category, 0, "indep", nid)
    a.size = size
    frame = _pick_frame(rng, category)
    a.frames = [frame]
    a.lang = frame.lang
    a.templates = {frame.id: render.make_template(rng, frame)}  # people copy-paste their own ad
    home = _pick_city(rng, frame.lang)
    circuit = [home]
    if rng.random() < 0.3:
        others = [c for c in knowledge().cities if c.region == home.region and c is not home]
        if others:
            circuit.append(pick(rng, others))
    if category == "benign_independent_adult" and rng.random() < 0.3:
        a.channels = ("ig",)
    a.images = _image_pool(rng, world.seed, nid, between(rng, 1, 4), 0.15)
    interval = rng.uniform(3, 20) * 86400.0
    if interval * (size - 1) > world.window * 0.9:
        interval = world.window * 0.9 / max(1, size - 1)
    start = world.start + rng.uniform(0, world.window - interval * (size - 1))
    return a, _Member(circuit, start, interval)


def _make_org(rng: random.Random, world: _World, nid: str, size: int) -> tuple[Actor, _Member]:
    know = knowledge()
    category = _weighted(rng, know.mix["org_categories"])
    a = Actor(category, 0, "org", nid)
    a.size = size
    first = _pick_frame(rng, category)
    a.frames = [f for f in know.frames_by_category[category] if f.lang == first.lang]
    a.lang = first.lang
    a.channels = ("email",)
    home = _pick_city(rng, first.lang)
    a.images = _image_pool(rng, world.seed, nid, 1, 0.0)  # the agency's logo banner
    return a, _Member([home], world.start, 0.0)


_CATEGORY_HARD_CASES = {
    "benign_independent_adult": "lookalike_independent",
    "benign_overseas_job": "honest_overseas",
    "benign_awareness": "awareness_quotes_red_flags",
}


class _Chunk:
    def __init__(
        self, rng: random.Random, world: _World, size: int, counters: dict[str, int], images_dir: Path | None
    ) -> None:
        self.rng = rng
        self.world = world
        self.images_dir = images_dir
        self.written: set[str] = set()
        self.plan: list[tuple[Any, Any]] = []
        mix = knowledge().mix
        net = mix["network"]
        seed = world.seed

        def sizes(total: int, lo: int, draw: Any) -> list[int]:
            out: list[int] = []
            left = total
            while left >= lo:
                s = min(draw(), left)
                if left - s < lo:
                    s = left  # no stub group at the end
                out.append(s)
                left -= s
            return out

        indicative = int(size * mix["indicative_share"] + rng.random())
        in_networks = int(indicative * mix["indicative_in_networks"] + rng.random())
        lo, hi = int(net["size_min"]), int(net["size_max"])
        op_sizes = sizes(
            in_networks, lo, lambda: min(hi, lo + int(rng.expovariate(1.0 / float(net["size_mean_extra"]))))
        )
        ind_lo, ind_hi = mix["independent"]["size"]
        indep_sizes = sizes(
            int(size * mix["independent_repost_share"] + rng.random()), ind_lo, lambda: between(rng, ind_lo, ind_hi)
        )
        org_lo, org_hi = mix["org"]["size"]
        org_sizes = sizes(int(size * mix["org_share"] + rng.random()), org_lo, lambda: between(rng, org_lo, org_hi))

        ops: list[Actor] = []
        for s in op_sizes:
            actor, member = _make_operation(rng, world, f"op-{seed}-{counters['op']}", s)
            counters["op"] += 1
            ops.append(actor)
            self.plan.extend(((actor, member), j) for j in range(s))
        for s in indep_sizes:
            actor, member = _make_independent(rng, world, f"indep-{seed}-{counters['indep']}", s)
            counters["indep"] += 1
            self.plan.extend(((actor, member), j) for j in range(s))
        for s in org_sizes:
            actor, member = _make_org(rng, world, f"org-{seed}-{counters['org']}", s)
            counters["org"] += 1
            self.plan.extend(((actor, member), j) for j in range(s))

        # Two unrelated operations of one kind pasting the same generic sentence (linking must keep them apart).
        templated = [a for a in ops if a.templates]
        rng.shuffle(templated)
        words = knowledge().words
        by_category: dict[str, list[Actor]] = {}
        for a in templated:
            by_category.setdefault(a.category, []).append(a)
        for category, group in by_category.items():
            pairs = int(len(group) * float(net["shared_phrase_pairs"]) / 2)
            for i in range(pairs):
                x, y = group[2 * i], group[2 * i + 1]
                phrase = pick(rng, words[f"shared_phrase_{category}"].get(x.lang or "en"))
                for a in (x, y):
                    a.shared_phrase = phrase
                    a.hard_cases = (*a.hard_cases, "shared_phrase")

        singles_indicative = indicative - sum(op_sizes)
        for _ in range(singles_indicative):
            self.plan.append((None, _weighted(rng, mix["indicative_categories"])))
        rest = size - len(self.plan)
        for _ in range(rest):
            self.plan.append((None, _weighted(rng, mix["benign_categories"])))
        rng.shuffle(self.plan)


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


def _render_post(chunk: _Chunk, index: int, entry: tuple[Any, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    rng, world = chunk.rng, chunk.world
    mix = knowledge().mix
    group, j = entry
    hard: set[str] = set()
    extra: str | None = None
    template_key: str | None = None
    if group is None:
        category = j
        frame = _pick_frame(rng, category)
        actor = Actor(category, frame.label)
        city = _pick_city(rng, frame.lang)
        ts = world.start + rng.random() * world.window
        ctx = Ctx(rng, actor, frame, city, ts)
        mess_rate = _MESS_INDICATIVE if frame.label else _MESS_BENIGN
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
        if nphones > 1:
            # Phones rotate over the operation's life; around a switch both are given, which chains them.
            ctx.phone_idx = j * nphones // size
            ctx.two_phones = rng.random() < 0.3
        mess_rate = _MESS_INDICATIVE if actor.label else _MESS_BENIGN
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
        _pick_platform(rng, frame.kind)
        if group is None or actor.group == "org"
        else _group_platform(rng, actor, frame.kind)
    )
    body = _footers(ctx, world, platform, body, hard)
    if category in _CATEGORY_HARD_CASES:
        hard.add(_CATEGORY_HARD_CASES[category])
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
        plats = rng.sample(pool, min(len(pool), between(rng, 1, 3)))
        actor.platforms[kind] = plats
    return pick(rng, plats)


_IMAGE_COUNTS = {
    "escort_ad": (1, 4),
    "dating_profile": (1, 3),
    "marriage_profile": (0, 2),
    "job_ad": (0, 1),
    "social_post": (0, 2),
    "other": (0, 2),
}


def _single_images(
    rng: random.Random, world: _World, frame: Frame, index: int, hard: set[str]
) -> list[tuple[str, str, str]]:
    lo, hi = _IMAGE_COUNTS[frame.kind]
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
    lo, hi = _IMAGE_COUNTS[frame.kind]
    count = min(len(pool), max(1, between(rng, lo, hi)))
    out = []
    for entry in rng.sample(pool, count):
        base = entry[0][0]
        name, transform = entry[0] if len(entry) == 1 or rng.random() < 0.6 else pick(rng, entry[1:])
        out.append((name, base, transform))
    return out


def _footers(ctx: Ctx, world: _World, platform: Platform, body: str, hard: set[str]) -> str:
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


def _write_images(chunk: _Chunk, folder: Path, image_list: list[tuple[str, str, str]]) -> None:
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
    if images_dir is not None:
        images_dir.mkdir(parents=True, exist_ok=True)
    world = _World(seed)
    chunk_size = int(knowledge().mix["chunk"])
    nchunks = max(1, math.ceil(n / chunk_size)) if n else 0
    counters = {"op": 0, "indep": 0, "org": 0}
    index = 0
    for c in range(nchunks):
        size = n // nchunks + (1 if c < n % nchunks else 0)
        rng = random.Random(f"tipwatch-synth:{seed}:{c}")
        chunk = _Chunk(rng, world, size, counters, images_dir)
        for entry in chunk.plan:
            yield _render_post(chunk, index, entry)
            index += 1
        del chunk, entry  # free this chunk before planning the next: peak memory is one chunk, not two
