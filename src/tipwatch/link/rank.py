"""Network score and its reasons: organized, mobile, indicator-dense networks first (weights in rank.yaml)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).with_name("rank.yaml")


@dataclass(frozen=True, slots=True)
class RankConfig:
    weights: Mapping[str, float]
    full: Mapping[str, float]
    reason_min: float


@cache
def load_rank_config(path: str | None = None) -> RankConfig:
    with open(path or DEFAULT_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    comps = data["components"]
    return RankConfig(
        weights={k: float(v["weight"]) for k, v in comps.items()},
        full={k: float(v.get("full", 1.0)) for k, v in comps.items()},
        reason_min=float(data.get("reason_min", 0.25)),
    )


def _num(profile: Mapping[str, Any], key: str) -> float:
    value = profile.get(key, 0)
    return float(value) if isinstance(value, int | float) else 0.0


def components(profile: Mapping[str, Any], cfg: RankConfig) -> dict[str, tuple[float, str]]:
    """Each score component in [0, 1] with the sentence an analyst reads for it."""
    size = _num(profile, "size")
    path = [str(p) for p in profile.get("movement", [])]
    places = len(dict.fromkeys(path)) or len(profile.get("places", {}))
    platforms = len(profile.get("platforms", {}))
    n_ids = _num(profile, "n_identifiers")
    density = _num(profile, "indicator_density")
    rmean, rmax = _num(profile, "risk_mean"), _num(profile, "risk_max")
    shown = " -> ".join(path[:8]) + (" -> ..." if len(path) > 8 else "")
    return {
        "size": (min(1.0, math.log2(max(size, 1)) / math.log2(cfg.full["size"])), f"{int(size)} posts"),
        "identifiers": (min(1.0, n_ids / cfg.full["identifiers"]), f"{int(n_ids)} contact identifiers shared"),
        "mobility": (
            min(1.0, max(places - 1, 0) / (cfg.full["mobility"] - 1)),
            f"moves through {places} places: {shown}" if len(path) > 1 else f"{places} place(s)",
        ),
        "platforms": (min(1.0, max(platforms - 1, 0) / (cfg.full["platforms"] - 1)), f"on {platforms} platforms"),
        "indicators": (min(1.0, density / cfg.full["indicators"]), f"{density:.1f} indicator hits per post"),
        "risk_mean": (max(0.0, min(1.0, rmean)), f"mean risk {rmean:.2f}"),
        "risk_max": (max(0.0, min(1.0, rmax)), f"max risk {rmax:.2f}"),
    }


def score(profile: Mapping[str, Any], cfg: RankConfig | None = None) -> tuple[float, list[str]]:
    """The network score in [0, 1] and its reasons, strongest contribution first."""
    cfg = cfg or load_rank_config()
    parts = components(profile, cfg)
    total_w = sum(cfg.weights.get(k, 0.0) for k in parts) or 1.0
    value = sum(cfg.weights.get(k, 0.0) * v for k, (v, _) in parts.items()) / total_w
    ranked = sorted(parts.items(), key=lambda kv: -cfg.weights.get(kv[0], 0.0) * kv[1][0])
    reasons = [
        f"{k}: {text} (+{cfg.weights.get(k, 0.0) * v / total_w:.2f})"
        for k, (v, text) in ranked
        if v >= cfg.reason_min and cfg.weights.get(k, 0.0) > 0
    ]
    return round(value, 4), reasons
