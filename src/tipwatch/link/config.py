"""Thresholds of the linking stage, loaded once from ``link.yaml`` (or a file given by the user)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).with_name("link.yaml")


@dataclass(frozen=True, slots=True)
class TextConfig:
    shingle_size: int = 3
    shingle_bits: int = 25
    min_shingles: int = 1
    bands: int = 16
    rows: int = 4
    seed: int = 20240601
    min_jaccard: float = 0.5
    require_contact: bool = True
    specific_bits: float = 3.0
    min_repeat: float = 2.0
    chance_jaccard: float = 0.5
    max_bucket: int | None = 1000
    footer_max_line_share: float = 0.4
    mask_types: tuple[str, ...] = ("phone", "email", "url", "handle", "wallet", "price", "age", "place")

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows


@dataclass(frozen=True, slots=True)
class IdentifierConfig:
    # Fellegi-Sunter terms per signal type: m = P(agree | one poster), chance = expected number of otherwise
    # unrelated posters showing the same value by coincidence (besides the ones counted in the corpus).
    m: dict[str, float] = field(default_factory=dict)
    chance: dict[str, float] = field(default_factory=dict)
    # Groups of "otherwise unrelated" holders are counted for values in at least this many posts (below, 1 group).
    unrelated_min_posts: int = 3
    # How many otherwise unrelated groups one poster's value may sit in (its rotated phones, personas).
    own_groups: int = 4
    # Footer/boilerplate hubs: the value sits in a trailing footer line (text.footer_max_line_share) in at least
    # this share of its posts ...
    footer_share: float = 0.5
    # ... and it is shared by at least this many otherwise unrelated groups of posts.
    hub_min_groups: int = 5
    # Known platform support lines and helplines (data file next to link.yaml, each entry with its source).
    known_contacts: str = "known_contacts.yaml"


@dataclass(frozen=True, slots=True)
class PairSignalConfig:
    max_distance: float
    strong_distance: float


@dataclass(frozen=True, slots=True)
class ImageConfig:
    pdq_max_distance: int = 31
    pdq_min_quality: int = 50
    lsh_tables: int = 100
    lsh_bytes: int = 3
    seed: int = 20240602


@dataclass(frozen=True, slots=True)
class EvidenceConfig:
    # A pair is linked when its posterior odds of one poster reach this; prior odds are 1 : (number of poster groups).
    target_odds: float = 99.0
    # m for a shared specific template (text) and near-copy pairs from other producers.
    text_m: float = 0.9


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    max_weak_group_atoms: int = 64
    min_network_size: int = 2
    max_pair_links_per_post: int = 10


@dataclass(frozen=True, slots=True)
class ProfileConfig:
    template_members: int = 8
    template_min_support: float = 0.6


@dataclass(frozen=True, slots=True)
class LinkConfig:
    text: TextConfig
    identifiers: IdentifierConfig
    pairs: dict[str, PairSignalConfig]
    cluster: ClusterConfig
    profile: ProfileConfig = field(default_factory=ProfileConfig)
    images: ImageConfig = field(default_factory=ImageConfig)
    evidence: EvidenceConfig = field(default_factory=EvidenceConfig)

    def fingerprint(self, entity_types: tuple[str, ...] = ()) -> str:
        """A hash of every value that changes links, and of the entity types by code (``link.entities``): a stored
        link state made with another fingerprint is stale."""
        data: dict[str, Any] = asdict(self)
        data["entity_types"] = list(entity_types)
        data.pop("profile")  # profiles are recomputed whenever a network changes; they do not change links
        data["cluster"].pop("max_pair_links_per_post")
        blob = json.dumps(data, sort_keys=True, default=list)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def parse_config(data: dict[str, Any]) -> LinkConfig:
    text = dict(data.get("text", {}))
    if "mask_types" in text:
        text["mask_types"] = tuple(text["mask_types"])
    pairs = {name: PairSignalConfig(**values) for name, values in (data.get("pairs") or {}).items()}
    return LinkConfig(
        text=TextConfig(**text),
        identifiers=IdentifierConfig(**data.get("identifiers", {})),
        pairs=pairs,
        cluster=ClusterConfig(**data.get("cluster", {})),
        profile=ProfileConfig(**data.get("profile", {})),
        images=ImageConfig(**data.get("images", {})),
        evidence=EvidenceConfig(**data.get("evidence", {})),
    )


@cache
def _load(path: str) -> LinkConfig:
    with open(path, encoding="utf-8") as fh:
        return parse_config(yaml.safe_load(fh) or {})


def load_config(path: str | Path | None = None) -> LinkConfig:
    """The linking thresholds from ``path`` (default: the packaged link.yaml); parsed once per path."""
    return _load(str(path or DEFAULT_PATH))
