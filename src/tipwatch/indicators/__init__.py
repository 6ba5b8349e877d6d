"""Indicators: lexicons (YAML, per language and domain), the matcher, structural rules, the indicator risk model,
and the trainable classifier (imported lazily: scikit-learn is slow to import and only needed with a model).

    from tipwatch.indicators import assess
    hits, assessment = assess(text, kind, identifiers, normalized)
"""

from __future__ import annotations

from typing import Any

from tipwatch.indicators.combine import combine
from tipwatch.indicators.config import KnowledgeError
from tipwatch.indicators.lexicon import Lexicon, default_lexicon, load_lexicon
from tipwatch.indicators.matcher import Matcher, default_matcher
from tipwatch.indicators.score import Scorer, assess, default_scorer

__all__ = [
    "Classifier",
    "KnowledgeError",
    "Lexicon",
    "Matcher",
    "Scorer",
    "assess",
    "combine",
    "default_lexicon",
    "default_matcher",
    "default_scorer",
    "evaluate",
    "load_lexicon",
    "load_model",
    "train",
]

_LAZY = {"Classifier", "train", "evaluate", "load_model"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from tipwatch.indicators import classifier

        return getattr(classifier, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
