"""Who posts and the post being written: the state slot functions read and fill.

An :class:`Actor` is an operation ("op-"), an independent person reposting ("indep-"), a licensed agency or employer
("org-"), or a one-off poster. Its facts (phones, handles, price level, company) start empty and are created on first
use with the rng of the post being rendered; the rendering order is deterministic, so the corpus is too.
"""

from __future__ import annotations

import random
from typing import Any

from tipwatch.synth.knowledge import City, Destination, Frame, Slot

Parts = tuple[str | Slot, ...]
# An operation's fixed text: (title parts, their indicator kinds), [(section parts, indicator kinds)], separator.
Template = tuple[tuple[Parts, tuple[str, ...]], list[tuple[Parts, tuple[str, ...]]], str]


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
        "cross_sites",
        "dest",
        "email",
        "facts",
        "frames",
        "group",
        "handles",
        "hard_cases",
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
        "rotation",
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
        self.templates: dict[str, Template] = {}
        self.phones: list[tuple[str, str]] = []
        self.names: list[str] = []
        self.handles: dict[str, str] = {}
        self.facts: dict[str, str] = {}
        self.platforms: dict[str, list[Any]] = {}
        self.channels: tuple[str, ...] = ()
        self.email: str | None = None
        self.price: int | None = None
        self.age: int | None = None
        self.dest: Destination | None = None
        self.company: str | None = None
        self.agency: str | None = None
        self.licence: str | None = None
        self.address: str | None = None
        self.website: str | None = None
        self.region: str | None = None
        self.images: Any = None
        self.hard_cases: tuple[str, ...] = ()
        self.shared_phrase: str | None = None
        self.size = 1
        # Sites a large operation cross-posts on (0: a few, chosen per kind); how it rotates its phones.
        self.cross_sites = 0
        self.rotation = "sequential"


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
