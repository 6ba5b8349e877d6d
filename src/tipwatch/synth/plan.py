"""Plan a chunk of the corpus: who posts (operations, independents reposting, agencies, one-off posters), how many
posts each makes, where and when; then shuffle the slots so a group's posts are spread through the chunk.

Groups live inside one chunk, which is what keeps memory constant in n. Everything draws from the chunk's rng.
"""

from __future__ import annotations

import bisect
import itertools
import random
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from tipwatch.synth import idents, images, render
from tipwatch.synth.actor import Actor
from tipwatch.synth.knowledge import City, Frame, Platform, knowledge
from tipwatch.synth.rand import between, pick


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
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


def pick_city(rng: random.Random, lang: str) -> City:
    cities, cum = _city_table(lang)
    return cities[bisect.bisect_right(cum, rng.random() * cum[-1])]


@cache
def _frame_table(category: str) -> tuple[tuple[Frame, ...], tuple[float, ...]]:
    frames = knowledge().frames_by_category[category]
    return frames, tuple(itertools.accumulate(f.weight for f in frames))


def pick_frame(rng: random.Random, category: str) -> Frame:
    frames, cum = _frame_table(category)
    return frames[bisect.bisect_right(cum, rng.random() * cum[-1])]


@cache
def _platform_table(kind: str) -> tuple[tuple[Platform, ...], tuple[float, ...]]:
    plats = knowledge().platforms_by_kind[kind]
    return plats, tuple(itertools.accumulate(p.kinds[kind] for p in plats))


def pick_platform(rng: random.Random, kind: str) -> Platform:
    plats, cum = _platform_table(kind)
    return plats[bisect.bisect_right(cum, rng.random() * cum[-1])]


class World:
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


class Member:
    """Where a group's member post sits: its city and time are fixed by its place on the circuit."""

    __slots__ = ("circuit", "interval", "start")

    def __init__(self, circuit: list[City], start: float, interval: float) -> None:
        self.circuit = circuit
        self.start = start
        self.interval = interval


def _region_cities(rng: random.Random, lang: str, max_cities: int) -> list[City]:
    first = pick_city(rng, lang)
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


def _make_operation(rng: random.Random, world: World, nid: str, size: int) -> tuple[Actor, Member]:
    know = knowledge()
    mix = know.mix
    net = mix["network"]
    large = size >= int(net["large_size"][0])
    category = "sex_trafficking" if large else weighted(rng, mix["indicative_categories"])
    a = Actor(category, 1, "op", nid)
    if large:
        lo_sites, hi_sites = (int(x) for x in net["large_sites"])
        a.cross_sites = between(rng, lo_sites, hi_sites)
        a.hard_cases = (*a.hard_cases, "cross_posting")
    a.size = size
    primary = pick_frame(rng, category)
    while large and primary.kind != "escort_ad":  # a large operation cross-posts escort ads on many sites
        primary = pick_frame(rng, category)
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
    nphones = 1 if rng.random() < 0.6 and not large else between(rng, 2 if large else 1, int(net["phones_max"]))
    a.phones = [(a.region, idents.random_phone(rng, a.region)) for _ in range(nphones)]
    if nphones > 1 and rng.random() < float(net["random_rotation_share"]):
        # Every ad carries one of the phones at random and no ad gives two: only the template and the photos
        # hold the operation together.
        a.rotation = "random"
        a.hard_cases = (*a.hard_cases, "rotated_phones")
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
    return a, Member(circuit, start, interval)


def _make_independent(rng: random.Random, world: World, nid: str, size: int) -> tuple[Actor, Member]:
    mix = knowledge().mix
    category = weighted(rng, mix["independent_repost_categories"])
    a = Actor(category, 0, "indep", nid)
    a.size = size
    frame = pick_frame(rng, category)
    a.frames = [frame]
    a.lang = frame.lang
    a.templates = {frame.id: render.make_template(rng, frame)}  # people copy-paste their own ad
    home = pick_city(rng, frame.lang)
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
    return a, Member(circuit, start, interval)


def _make_org(rng: random.Random, world: World, nid: str, size: int) -> tuple[Actor, Member]:
    know = knowledge()
    category = weighted(rng, know.mix["org_categories"])
    a = Actor(category, 0, "org", nid)
    a.size = size
    first = pick_frame(rng, category)
    a.frames = [f for f in know.frames_by_category[category] if f.lang == first.lang]
    a.lang = first.lang
    a.channels = ("email",)
    home = pick_city(rng, first.lang)
    a.images = _image_pool(rng, world.seed, nid, 1, 0.0)  # the agency's logo banner
    return a, Member([home], world.start, 0.0)


class Chunk:
    def __init__(
        self, rng: random.Random, world: World, size: int, counters: dict[str, int], images_dir: Path | None
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
        # Now and then a large operation: hundreds of ads cross-posted on many sites, on top of the others (it takes
        # the place of benign one-off posts, at most a tenth of the chunk).
        big_lo, big_hi = (int(x) for x in net["large_size"])
        large_total = 0
        if size // 10 >= big_lo and rng.random() < float(net["large_chunk_share"]):
            large_total = between(rng, big_lo, min(big_hi, size // 10))
            op_sizes.append(large_total)
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

        singles_indicative = indicative - (sum(op_sizes) - large_total)
        for _ in range(singles_indicative):
            self.plan.append((None, weighted(rng, mix["indicative_categories"])))
        rest = size - len(self.plan)
        for _ in range(rest):
            self.plan.append((None, weighted(rng, mix["benign_categories"])))
        rng.shuffle(self.plan)
