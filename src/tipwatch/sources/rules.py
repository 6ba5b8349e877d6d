"""The field aliases, category words and time-zone names of data/fields.yaml, loaded once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import yaml

from tipwatch.model import POST_KINDS


@dataclass(frozen=True, slots=True)
class FieldRules:
    aliases: dict[str, tuple[str, ...]]  # our field -> input keys to try, our own name first
    key_fields: dict[str, tuple[str, int]]  # input key -> (our field, rank among its aliases), for one-pass lookup
    kind_phrases: dict[str, tuple[int, str]]  # category phrase -> (priority, kind)
    timezones: dict[str, int]  # abbreviation -> UTC offset in seconds


@cache
def load_rules() -> FieldRules:
    text = resources.files("tipwatch.sources").joinpath("data/fields.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    aliases = {
        ours: tuple(dict.fromkeys([ours, *(normalize_key(a) for a in names)]))
        for ours, names in data["aliases"].items()
    }
    phrases: dict[str, tuple[int, str]] = {}
    for priority, (kind, words) in enumerate(data["kinds"].items()):
        if kind not in POST_KINDS:
            raise ValueError(f"fields.yaml: unknown kind {kind!r}")
        for word in words:
            phrases.setdefault(normalize_phrase(str(word)), (priority, kind))
    key_fields: dict[str, tuple[str, int]] = {}
    for ours, keys in aliases.items():
        for rank, key in enumerate(keys):
            if key in key_fields:
                raise ValueError(f"fields.yaml: {key!r} is an alias of both {key_fields[key][0]} and {ours}")
            key_fields[key] = (ours, rank)
    return FieldRules(aliases=aliases, key_fields=key_fields, kind_phrases=phrases, timezones=dict(data["timezones"]))


@lru_cache(maxsize=4096)  # records of one input repeat the same few keys
def normalize_key(key: str) -> str:
    """How input keys are compared: "Ad Text", "ad-text", "og:title" -> "ad_text", "og_title"."""
    return key.strip().lower().replace(" ", "_").replace("-", "_").replace(".", "_").replace(":", "_")


def normalize_phrase(text: str) -> str:
    """Category words compared case-folded with every run of non-letters as one space."""
    out = []
    for ch in text.casefold():
        out.append(ch if ch.isalpha() else " ")
    return " ".join("".join(out).split())
