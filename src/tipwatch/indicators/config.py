"""The indicator model's knowledge files (indicators/data/*.yaml): sources, word sets, negation cues, place cues and
the scoring model. Validated with pydantic; every error names the file and the key at fault."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tipwatch.model import POST_KINDS

DATA_DIR = Path(__file__).resolve().parent / "data"
Domain = Literal["sex_ad", "job_ad", "dating", "general"]
DOMAINS: tuple[str, ...] = ("sex_ad", "job_ad", "dating", "general")


class KnowledgeError(ValueError):
    """A knowledge file (lexicon or model data) is missing, unreadable or invalid; the message names file and entry."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    cite: str = Field(min_length=10)
    note: str | None = None


class WordSetSpec(_Strict):
    source: str = Field(min_length=3)
    values: list[str] | dict[str, list[str]]


class NegationSpec(_Strict):
    source: str
    gap: dict[Domain, int]
    after_gap: int = Field(ge=0, le=5)
    before: dict[str, list[str]]
    after: dict[str, list[str]]


class PlaceCues(_Strict):
    source: str
    before: list[str]
    after: list[str]


class Category(_Strict):
    cap: float
    description: str
    aux: bool = False


class StructuralSpec(_Strict):
    category: str
    weight: float = Field(ge=-3.0, le=3.0)
    domain: Domain
    source: str
    note: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    kinds: list[str] | None = None


class UnrealisticPay(_Strict):
    monthly_threshold: dict[str, float]
    per_month: dict[str, float]


class CombineSpec(_Strict):
    indicator_weight: float = Field(ge=0.0, le=1.0)
    classifier_weight: float = Field(ge=0.0, le=1.0)


class Scoring(_Strict):
    intercept: float
    categories: dict[str, Category]
    relevance: dict[str, dict[Domain, float]]
    structural: dict[str, StructuralSpec]
    unrealistic_pay: UnrealisticPay
    messaging_platforms: list[str]
    messaging_hosts: list[str]
    combine: CombineSpec

    @model_validator(mode="after")
    def _consistent(self) -> Scoring:
        for kind in POST_KINDS:
            if kind not in self.relevance:
                raise ValueError(f"relevance: no row for post kind {kind!r}")
            missing = [d for d in DOMAINS if d not in self.relevance[kind]]
            if missing:
                raise ValueError(f"relevance.{kind}: no value for domain(s) {', '.join(missing)}")
        for code, spec in self.structural.items():
            if spec.category not in self.categories:
                raise ValueError(f"structural.{code}: unknown category {spec.category!r}")
            for kind in spec.kinds or ():
                if kind not in POST_KINDS:
                    raise ValueError(f"structural.{code}: unknown post kind {kind!r}")
        return self


class Knowledge(_Strict):
    """Everything in indicators/data, validated."""

    sources: dict[str, Source]
    sets: dict[str, WordSetSpec]
    negation: NegationSpec
    place_cues: PlaceCues
    scoring: Scoring

    @model_validator(mode="after")
    def _sources_exist(self) -> Knowledge:
        for code, spec in self.scoring.structural.items():
            if spec.source not in self.sources:
                raise ValueError(f"scoring.yaml structural.{code}: unknown source {spec.source!r}")
        if self.place_cues.source not in self.sources:
            raise ValueError(f"place_cues.yaml: unknown source {self.place_cues.source!r}")
        return self


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; a missing or malformed file raises KnowledgeError naming it."""
    try:
        with path.open("rb") as fh:
            return yaml.safe_load(fh)
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: invalid YAML: {exc}") from exc


def describe(exc: ValidationError) -> str:
    """A pydantic error as one line per problem: 'where: what'."""
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"{where}: {err['msg']}")
    return "; ".join(lines)


def load_knowledge(data_dir: Path = DATA_DIR) -> Knowledge:
    raw: dict[str, Any] = {}
    for name in ("sources", "sets", "negation", "place_cues", "scoring"):
        path = data_dir / f"{name}.yaml"
        doc = read_yaml(path)
        if not isinstance(doc, Mapping):
            raise KnowledgeError(f"{path}: expected a mapping at the top level")
        raw[name] = doc
    try:
        return Knowledge.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            where = f"{data_dir / (loc[0] + '.yaml')}: {'.'.join(loc[1:]) or '(top level)'}" if loc else str(data_dir)
            problems.append(f"{where}: {err['msg']}")
        raise KnowledgeError("; ".join(problems)) from exc
