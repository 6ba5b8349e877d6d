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
    min_shingles: int = 8
    df_min: int = 200
    df_fraction: float = 0.002
    bands: int = 16
    rows: int = 4
    seed: int = 20240601
    min_jaccard: float = 0.5
    strong_jaccard: float | None = None
    require_contact: bool = True
    mask_types: tuple[str, ...] = ("phone", "email", "url", "handle", "wallet", "price", "age", "place")

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def df_cap(self, n_posts: int) -> int:
        """Largest document frequency a shingle may have and still count (above it, it is boilerplate)."""
        return max(self.df_min, int(self.df_fraction * n_posts))


@dataclass(frozen=True, slots=True)
class IdentifierConfig:
    type_weight: dict[str, float] = field(default_factory=dict)
    max_posts: int = 300
    spread_min_posts: int = 20
    spread_max_platforms: int = 6
    spread_max_kinds: int = 4
    unrelated_min_groups: int = 10
    unrelated_share: float = 0.6
    strong_weight: float = 0.5


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
class ClusterConfig:
    resolution: float = 0.2
    seed: int = 7
    min_network_size: int = 2
    min_weak_weight: float = 2.0
    weak_joins_groups: bool = False
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

    def fingerprint(self) -> str:
        """A hash of every value that changes links: a stored link state made with another fingerprint is stale."""
        data = asdict(self)
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
    )


@cache
def _load(path: str) -> LinkConfig:
    with open(path, encoding="utf-8") as fh:
        return parse_config(yaml.safe_load(fh) or {})


def load_config(path: str | Path | None = None) -> LinkConfig:
    """The linking thresholds from ``path`` (default: the packaged link.yaml); parsed once per path."""
    return _load(str(path or DEFAULT_PATH))
