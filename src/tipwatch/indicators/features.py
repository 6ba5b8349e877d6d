"""Features for the trainable classifier (scikit-learn transformers; picklable, no lexicon inside the pickle).

- ``match_forms``: the texts in matching form (NFKC, case-folded), computed once for all feature blocks: the TF-IDF
  vectorizers see "ＹＯＵＮＧ" as "young";
- ``IndicatorFeatures``: the indicator model's per-category capped log-odds, its total and the number of hits, read
  from the lexicon matcher (no identifiers: the classifier sees text only; identifier rules enter through combine()).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from tipwatch.text import normalize

# Words in any script: letters, digits and combining marks (Devanagari and Bengali vowel signs are marks, which the
# default token pattern of scikit-learn would split on).
TOKEN_PATTERN = r"[\w\u0300-\u036F\u0900-\u0963\u0966-\u0DFF\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F]{2,}"


def match_form(text: str) -> str:
    return normalize(text).text


def match_forms(texts: Iterable[str]) -> list[str]:
    """The first step of the classifier pipeline (a FunctionTransformer): normalize each text once."""
    return [normalize(t if isinstance(t, str) else str(t)).text for t in texts]


class IndicatorFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Per-category capped log-odds from the lexicon (kind ``other``), their sum, and log(1 + number of hits).

    Takes texts in matching form (normalization is idempotent, so raw texts work too, only slower)."""

    def __init__(self, kind: str = "other") -> None:
        self.kind = kind

    def fit(self, texts: Iterable[str], y: Any = None) -> IndicatorFeatures:
        from tipwatch.indicators.score import default_scorer

        scorer = default_scorer()
        self.categories_ = sorted(scorer.caps)
        return self

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        from tipwatch.indicators.score import default_scorer

        scorer = default_scorer()
        index = {c: i for i, c in enumerate(self.categories_)}
        width = len(self.categories_) + 2
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        n = 0
        for n, text in enumerate(texts, start=1):
            hits, _ = scorer.hits(normalize(text), self.kind, [])
            scores = scorer.category_scores(hits, self.kind)
            for category, value in scores.items():
                col = index.get(category)
                if col is not None and value:
                    rows.append(n - 1)
                    cols.append(col)
                    vals.append(value)
            extra = ((width - 2, sum(scores.values())), (width - 1, math.log1p(len(hits))))
            for col, value in extra:
                if value:
                    rows.append(n - 1)
                    cols.append(col)
                    vals.append(value)
        return sparse.csr_matrix((np.asarray(vals, dtype=np.float64), (rows, cols)), shape=(n, width))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray([f"indicator:{c}" for c in self.categories_] + ["indicator:total", "indicator:n_hits"])
