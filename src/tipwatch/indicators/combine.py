"""Blend the indicator model with the trained classifier, keeping one explanation.

final log-odds = a * logit(indicator risk) + b * logit(classifier probability), with a and b from data/scoring.yaml
(``combine``; default 0.5 and 0.5: the geometric mean of the two odds). Neither part can hide the other: a strong
indicator hit still shows with a doubtful classifier, and vice versa. The reasons are the indicator reasons with their
contributions scaled by a, plus one ``CLASSIFIER`` reason worth b * logit(p); the rest of the log-odds is the indicator
intercept times a.
"""

from __future__ import annotations

import functools
import math

from tipwatch.indicators.score import logit, sigmoid
from tipwatch.model import Assessment, Reason


@functools.cache
def _weights() -> tuple[float, float]:
    from tipwatch.indicators.config import load_knowledge

    spec = load_knowledge().scoring.combine
    return spec.indicator_weight, spec.classifier_weight


def combine(
    indicator_assessment: Assessment,
    classifier_proba: float,
    *,
    model: str | None = None,
    weights: tuple[float, float] | None = None,
) -> Assessment:
    """The final Assessment from the indicator Assessment and the classifier's probability for the same post."""
    p = float(classifier_proba)
    if math.isnan(p):
        raise ValueError("classifier probability is NaN")
    p = min(1.0, max(0.0, p))
    a, b = weights if weights is not None else _weights()
    ind_risk = indicator_assessment.risk
    total = a * logit(ind_risk) + b * logit(p)
    name = model or "classifier"
    reasons = [
        Reason(r.code, round(r.contribution * a, 4), r.detail, r.start, r.end) for r in indicator_assessment.reasons
    ]
    reasons.append(Reason("CLASSIFIER", round(b * logit(p), 4), f"classifier {name}: probability {p:.3f}"))
    reasons.sort(key=lambda r: (r.contribution < 0, -abs(r.contribution), r.code))
    return Assessment(
        risk=sigmoid(total),
        reasons=reasons,
        model=f"indicators+{name}",
        indicator_risk=ind_risk if indicator_assessment.indicator_risk is None else indicator_assessment.indicator_risk,
        classifier_risk=p,
    )
