"""Lexicon files (indicators/lexicons/*.yaml): loading and validation, once per process.

A file holds entries of one domain and language (both may be set per entry instead)::

    domain: job_ad
    language: en
    sets: {...}            # optional, like data/sets.yaml
    entries:
      - code: JOB_PASSPORT_RETAINED
        category: documents
        weight: 1.5
        source: ilo_fl_indicators          # a key of data/sources.yaml
        patterns: ["passport will be kept", "hand over ~2 passport"]
        negatable: true                    # optional; "never hand over your passport" does not fire
        unless: ["passport copy"]          # optional benign context in the same clause
        tag: null                          # optional; set by mapping word sets

A broken entry raises KnowledgeError naming the file, the entry's position and code, and the field at fault.
Extra lexicon folders can be added with the TIPWATCH_LEXICON_PATH environment variable (os.pathsep-separated).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tipwatch.indicators.config import (
    DATA_DIR,
    Domain,
    Knowledge,
    KnowledgeError,
    WordSetSpec,
    describe,
    load_knowledge,
    read_yaml,
)
from tipwatch.indicators.patterns import Compiled, PatternError, WordSet, compile_patterns
from tipwatch.text import normalize

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
ENV_PATH = "TIPWATCH_LEXICON_PATH"
_LANGUAGE = r"^(und|[a-z]{2,3}(-[A-Z][a-z]{3})?)$"


class _EntryModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{2,63}$")
    category: str = Field(min_length=2)
    weight: float = Field(ge=-3.0, le=3.0)
    source: str = Field(min_length=2)
    patterns: list[str] = Field(min_length=1)
    domain: Domain | None = None
    language: str | None = Field(default=None, pattern=_LANGUAGE)
    tag: str | None = None
    negatable: bool | None = None
    unless: list[str] = Field(default_factory=list)
    note: str | None = None


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: Domain | None = None
    language: str | None = Field(default=None, pattern=_LANGUAGE)
    sets: dict[str, WordSetSpec] = Field(default_factory=dict)
    entries: list[Any] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    category: str
    domain: str
    weight: float
    language: str
    source: str  # key of data/sources.yaml
    citation: str  # the source's citation text
    patterns: tuple[Compiled, ...]
    tag: str | None
    negatable: bool
    unless: tuple[str, ...]  # normalized benign-context phrases
    file: str
    aux: bool  # evidence for structural rules only (never scored, never returned)


@dataclass(frozen=True, slots=True)
class Lexicon:
    entries: tuple[Entry, ...]
    knowledge: Knowledge
    digest: str  # sha256 over all knowledge and lexicon files: identifies the lexicon version in model files
    files: tuple[str, ...]


def _norm(text: str) -> str:
    return normalize(text).text


def word_sets(specs: Mapping[str, WordSetSpec]) -> dict[str, WordSet]:
    out: dict[str, WordSet] = {}
    for name, spec in specs.items():
        members: tuple[tuple[str, str | None], ...]
        if isinstance(spec.values, dict):
            members = tuple((spelling, tag) for tag, spellings in spec.values.items() for spelling in spellings)
        else:
            members = tuple((spelling, None) for spelling in spec.values)
        out[name] = WordSet(members)
    return out


def _entry_error(path: Path, index: int, raw: Any, what: str) -> KnowledgeError:
    code = raw.get("code") if isinstance(raw, Mapping) else None
    label = f"entry {index}" + (f" ({code})" if code else "")
    return KnowledgeError(f"{path}: {label}: {what}")


def load_file(
    path: Path,
    knowledge: Knowledge,
    sets: Mapping[str, WordSet],
    normalize_fn: Callable[[str], str] = _norm,
) -> list[Entry]:
    """Validate and compile one lexicon file."""
    doc = read_yaml(path)
    if not isinstance(doc, Mapping):
        raise KnowledgeError(f"{path}: expected a mapping with 'entries' at the top level")
    try:
        spec = _FileModel.model_validate(doc)
    except ValidationError as exc:
        raise KnowledgeError(f"{path}: {describe(exc)}") from exc
    local_sets = {**sets, **word_sets(spec.sets)}
    entries: list[Entry] = []
    for index, raw in enumerate(spec.entries, start=1):
        try:
            item = _EntryModel.model_validate(raw)
        except ValidationError as exc:
            raise _entry_error(path, index, raw, describe(exc)) from exc
        domain = item.domain or spec.domain
        language = item.language or spec.language
        if domain is None:
            raise _entry_error(path, index, raw, "domain: not set on the entry nor on the file")
        if language is None:
            raise _entry_error(path, index, raw, "language: not set on the entry nor on the file")
        category = knowledge.scoring.categories.get(item.category)
        if category is None:
            known = ", ".join(sorted(knowledge.scoring.categories))
            raise _entry_error(path, index, raw, f"category: unknown {item.category!r} (known: {known})")
        source = knowledge.sources.get(item.source)
        if source is None:
            raise _entry_error(path, index, raw, f"source: unknown {item.source!r} (add it to data/sources.yaml)")
        if (category.cap < 0 < item.weight) or (item.weight < 0 < category.cap):
            raise _entry_error(path, index, raw, f"weight: sign of {item.weight} disagrees with category cap")
        try:
            compiled = compile_patterns(item.patterns, local_sets, normalize_fn)
        except PatternError as exc:
            raise _entry_error(path, index, raw, f"patterns: {exc}") from exc
        if item.tag is not None:
            compiled = [Compiled(c.parts, c.gaps, c.tag or item.tag, c.source_pattern) for c in compiled]
        negatable = item.negatable if item.negatable is not None else not category.aux and category.cap >= 0
        entries.append(
            Entry(
                code=item.code,
                category=item.category,
                domain=domain,
                weight=item.weight,
                language=language,
                source=item.source,
                citation=source.cite,
                patterns=tuple(compiled),
                tag=item.tag,
                negatable=negatable,
                unless=tuple(normalize_fn(u) for u in item.unless),
                file=path.name,
                aux=category.aux,
            )
        )
    return entries


def lexicon_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        if not d.is_dir():
            raise KnowledgeError(f"{d}: lexicon folder does not exist")
        files.extend(sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()))
    return files


def load_lexicon(dirs: Iterable[Path] | None = None, data_dir: Path = DATA_DIR) -> Lexicon:
    """Load and validate the knowledge files and every lexicon file in ``dirs`` (default: the package's)."""
    knowledge = load_knowledge(data_dir)
    sets = word_sets(knowledge.sets)
    files = lexicon_files(dirs if dirs is not None else [LEXICON_DIR])
    if not files:
        raise KnowledgeError("no lexicon files found")
    entries: list[Entry] = []
    digest = hashlib.sha256()
    for path in sorted((data_dir).glob("*.yaml")) + files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for path in files:
        entries.extend(load_file(path, knowledge, sets))
    _check_codes(entries)
    return Lexicon(tuple(entries), knowledge, digest.hexdigest()[:16], tuple(str(p) for p in files))


def _check_codes(entries: list[Entry]) -> None:
    """One code is one concept: every file that uses it must give the same category and domain."""
    seen: dict[str, Entry] = {}
    for e in entries:
        first = seen.setdefault(e.code, e)
        if (first.category, first.domain) != (e.category, e.domain):
            raise KnowledgeError(
                f"{e.file}: entry {e.code}: category/domain {e.category}/{e.domain} differ from "
                f"{first.category}/{first.domain} in {first.file}"
            )


def _extra_dirs() -> list[Path]:
    value = os.environ.get(ENV_PATH, "")
    return [Path(p) for p in re.split(re.escape(os.pathsep), value) if p.strip()]


@functools.cache
def default_lexicon() -> Lexicon:
    """The package lexicons plus any folders in TIPWATCH_LEXICON_PATH, loaded once per process."""
    return load_lexicon([LEXICON_DIR, *_extra_dirs()])
