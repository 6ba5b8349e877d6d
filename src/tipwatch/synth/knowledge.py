"""The generator's knowledge: frames, word lists, places, platforms, names, number words and mix, loaded once.

Frames are parsed here into tuples of literal strings and :class:`Slot` references, so rendering a post is a walk
over prepared parts (no template parsing per post). Everything the generator says lives in ``data/``; this module
only reads and checks it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

LANGS: tuple[str, ...] = ("en", "hi-Latn", "hi", "bn", "ne")
_SLOT = re.compile(r"\{([a-z_0-9]+)\}")


@dataclass(frozen=True, slots=True)
class Slot:
    """A ``{name}`` hole in a frame: filled from a word list or by a slot function."""

    name: str


Part = str | Slot


@dataclass(frozen=True, slots=True)
class Alt:
    """One way to write a section: its parts and the indicator kinds its own wording plants."""

    parts: tuple[Part, ...]
    inds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Frame:
    id: str
    category: str
    label: int
    lang: str
    kind: str
    weight: float
    inds: tuple[str, ...]
    salary: str
    title: tuple[Alt, ...]
    body: tuple[tuple[Alt, ...], ...]


@dataclass(frozen=True, slots=True)
class Words:
    """A word list slot: per-language entries (``en`` is the fallback) and the indicator kind it plants."""

    ind: str | None
    by_lang: Mapping[str, tuple[str, ...]]

    def get(self, lang: str) -> tuple[str, ...]:
        return self.by_lang.get(lang) or self.by_lang["en"]


@dataclass(frozen=True, slots=True)
class City:
    key: str
    name: str
    state: str
    region: str
    weight: float
    shown: tuple[str, ...]
    local: Mapping[str, str]
    localities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Destination:
    name: str
    country: str
    currency: str
    local: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Platform:
    name: str
    domain: str
    type: str
    kinds: Mapping[str, float]
    location: str
    url: str
    footer: str
    footer_rate: float


@dataclass(frozen=True, slots=True)
class Knowledge:
    frames: tuple[Frame, ...]
    frames_by_category: Mapping[str, tuple[Frame, ...]]
    words: Mapping[str, Words]
    cities: tuple[City, ...]
    destinations: tuple[Destination, ...]
    platforms: tuple[Platform, ...]
    platforms_by_kind: Mapping[str, tuple[Platform, ...]]
    hubs: tuple[Mapping[str, Any], ...]
    names: Mapping[str, tuple[str, ...]]
    numbers: Mapping[str, Any]
    mix: Mapping[str, Any]
    lang_regions: Mapping[str, Mapping[str, float]]


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: load time matters for the CLI


def _load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # CSafeLoader/SafeLoader: safe


def _read(name: str) -> Any:
    return _load(resources.files("tipwatch.synth").joinpath("data", name).read_text(encoding="utf-8"))


def parse_text(text: str) -> tuple[Part, ...]:
    """Split ``"Call {name} on {phone}"`` into literal strings and :class:`Slot` parts."""
    parts: list[Part] = []
    pos = 0
    for m in _SLOT.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        parts.append(Slot(m.group(1)))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts)


def _alt(raw: Any) -> Alt:
    if isinstance(raw, str):
        return Alt(parse_text(raw))
    return Alt(parse_text(str(raw["t"])), tuple(raw.get("ind") or ()))


def _frames() -> list[Frame]:
    out: list[Frame] = []
    folder = resources.files("tipwatch.synth").joinpath("data", "frames")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        doc = _load(entry.read_text(encoding="utf-8"))
        category, label = str(doc["category"]), int(doc["label"])
        default_salary = "overseas" if category in ("labour_trafficking", "benign_overseas_job") else "local"
        for f in doc["frames"]:
            out.append(
                Frame(
                    id=str(f["id"]),
                    category=category,
                    label=label,
                    lang=str(f["lang"]),
                    kind=str(f["kind"]),
                    weight=float(f.get("weight", 1)),
                    inds=tuple(f.get("ind") or ()),
                    salary=str(f.get("salary", default_salary)),
                    title=tuple(_alt(a) for a in f["title"]),
                    body=tuple(tuple(_alt(a) for a in section) for section in f["body"]),
                )
            )
    return out


@cache
def knowledge() -> Knowledge:
    """Load and check every data file once per process."""
    frames = _frames()
    by_cat: dict[str, list[Frame]] = {}
    for fr in frames:
        by_cat.setdefault(fr.category, []).append(fr)
    vocab = _read("vocab.yaml")
    words = {
        name: Words(spec.get("ind"), {k: tuple(str(x) for x in v) for k, v in spec.items() if k != "ind"})
        for name, spec in vocab.items()
    }
    places = _read("places.yaml")
    cities = tuple(
        City(
            key=c["key"],
            name=c["name"],
            state=c["state"],
            region=c["region"],
            weight=float(c["weight"]),
            shown=tuple(c["shown"]),
            local={"hi": c["hi"], "bn": c["bn"], "ne": c["hi"]},
            localities=tuple(c["localities"]),
        )
        for c in places["cities"]
    )
    dests = tuple(
        Destination(d["name"], d["country"], d["currency"], {k: d[k] for k in ("hi", "bn", "ne")})
        for d in places["destinations"]
    )
    plat_doc = _read("platforms.yaml")
    platforms = tuple(
        Platform(
            name=p["name"],
            domain=p["domain"],
            type=p["type"],
            kinds={k: float(v) for k, v in p["kinds"].items()},
            location=p["location"],
            url=p["url"],
            footer=p.get("footer") or "",
            footer_rate=float(p.get("footer_rate") or 0),
        )
        for p in plat_doc["platforms"]
    )
    by_kind: dict[str, list[Platform]] = {}
    for p in platforms:
        for k in p.kinds:
            by_kind.setdefault(k, []).append(p)
    names = {k: tuple(str(x) for x in v) for k, v in _read("names.yaml").items()}
    know = Knowledge(
        frames=tuple(frames),
        frames_by_category={k: tuple(v) for k, v in by_cat.items()},
        words=words,
        cities=cities,
        destinations=dests,
        platforms=platforms,
        platforms_by_kind={k: tuple(v) for k, v in by_kind.items()},
        hubs=tuple(plat_doc.get("hubs") or ()),
        names=names,
        numbers=_read("numbers.yaml"),
        mix=_read("mix.yaml"),
        lang_regions=places["lang_regions"],
    )
    _check(know)
    return know


def check_slots(know: Knowledge, fillers: set[str]) -> None:
    """Fail before a corpus is generated when a frame names a slot that neither ``fillers`` nor a word list fills.

    The slot functions live in slots.py, which reads this module: the caller passes their names in.
    """
    for fr in know.frames:
        for alt in fr.title + tuple(a for s in fr.body for a in s):
            for p in alt.parts:
                if isinstance(p, Slot) and p.name not in fillers and p.name not in know.words:
                    raise ValueError(f"frame {fr.id}: unknown slot {{{p.name}}}")


def _check(know: Knowledge) -> None:
    """Fail at load, not mid-corpus, when a frame names an unknown language or a kind no platform carries."""
    for fr in know.frames:
        if fr.lang not in LANGS:
            raise ValueError(f"frame {fr.id}: unknown language {fr.lang}")
        if fr.kind not in know.platforms_by_kind:
            raise ValueError(f"frame {fr.id}: no platform carries kind {fr.kind}")
    for cat in list(know.mix["indicative_categories"]) + list(know.mix["benign_categories"]):
        if cat not in know.frames_by_category:
            raise ValueError(f"mix names category {cat} without frames")
