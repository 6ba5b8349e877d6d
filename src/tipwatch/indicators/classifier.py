"""The trainable classifier: TF-IDF character and word n-grams plus the indicator features, a linear model with
calibrated probabilities, and a versioned model file.

    model = train(texts, labels)            # held-out metrics in model.meta["metrics"]
    model.save("model.joblib")
    model = load_model("model.joblib")      # refuses incompatible files with a clear error
    probas = model.predict_proba(texts)     # 1-D: probability of the positive (trafficking-indicative) class
    report = evaluate(model, texts, labels) # precision, recall, f1, roc_auc, pr_auc, n, threshold

Model files are pickles (via joblib): loading one runs code from it. Load only files you trained or trust.
"""

from __future__ import annotations

import io
import pickle
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler

from tipwatch import __version__
from tipwatch.indicators.combine import combine
from tipwatch.indicators.features import TOKEN_PATTERN, IndicatorFeatures, match_forms

FORMAT = "tipwatch-classifier"
FORMAT_VERSION = 1
MIN_PER_CLASS = 10  # fewer examples of a class cannot give both a calibrated model and a held-out estimate

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Classifier",
    "ClassifierError",
    "FeatureConfig",
    "IncompatibleModel",
    "LexiconChanged",
    "combine",
    "evaluate",
    "load_model",
    "metrics",
    "train",
]


class ClassifierError(ValueError):
    """Training or loading failed for a reason the user can act on."""


class IncompatibleModel(ClassifierError):
    """The model file was written by an incompatible tipwatch or scikit-learn version."""


class LexiconChanged(UserWarning):
    """The model was trained with another lexicon version than the one loaded now."""


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    # char_wb 3-5 rather than 2-5: 2-grams cost about a quarter of the time (n-gram generation is Python)
    char_ngrams: tuple[int, int] = (3, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    max_char_features: int = 300_000
    max_word_features: int = 200_000
    min_df: int = 2  # terms seen in fewer documents are noise (1 on very small training sets)
    indicator_features: bool = True
    c: float = 4.0  # inverse regularization of the logistic regression
    calibration: str = "sigmoid"
    calibration_folds: int = 3


@dataclass
class Classifier:
    pipeline: Pipeline
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.meta.get("name", "classifier"))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probability of the positive class for each text (1-D array)."""
        if len(texts) == 0:
            return np.zeros(0)
        proba = self.pipeline.predict_proba(list(texts))
        classes = list(self.pipeline.classes_)
        return np.asarray(proba[:, classes.index(1)], dtype=np.float64)

    def save(self, path: str | Path) -> Path:
        """Write the model file: metadata first, the fitted pipeline as a separate pickle inside (so that loading
        can check versions before any scikit-learn object is rebuilt)."""
        path = Path(path)
        payload = {"meta": self.meta, "pipeline": pickle.dumps(self.pipeline, protocol=pickle.HIGHEST_PROTOCOL)}
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(payload, path, compress=3)
        return path


def build_pipeline(config: FeatureConfig, n_train: int) -> Pipeline:
    min_df = config.min_df if n_train >= 200 else 1
    parts: list[tuple[str, Any]] = [
        (
            "char",
            TfidfVectorizer(
                lowercase=False,  # the texts arrive in matching form (match_forms)
                analyzer="char_wb",
                ngram_range=config.char_ngrams,
                min_df=min_df,
                max_features=config.max_char_features,
                sublinear_tf=True,
                dtype=np.float32,
            ),
        ),
        (
            "word",
            TfidfVectorizer(
                lowercase=False,
                token_pattern=TOKEN_PATTERN,
                ngram_range=config.word_ngrams,
                min_df=min_df,
                max_features=config.max_word_features,
                sublinear_tf=True,
                dtype=np.float32,
            ),
        ),
    ]
    if config.indicator_features:
        parts.append(("indicators", Pipeline([("counts", IndicatorFeatures()), ("scale", MaxAbsScaler())])))
    linear = LogisticRegression(C=config.c, solver="liblinear", class_weight="balanced", max_iter=1000)
    calibrated = CalibratedClassifierCV(linear, method=config.calibration, cv=config.calibration_folds)
    normalize_once = FunctionTransformer(match_forms)
    return Pipeline([("normalize", normalize_once), ("features", FeatureUnion(parts)), ("model", calibrated)])


def metrics(
    labels: Sequence[int] | np.ndarray, probas: Sequence[float] | np.ndarray, threshold: float = 0.5
) -> dict[str, Any]:
    """precision, recall and f1 at ``threshold``; roc_auc and pr_auc (None when only one class is present)."""
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(probas, dtype=np.float64)
    if y.shape != p.shape:
        raise ClassifierError(f"{len(y)} labels but {len(p)} probabilities")
    predicted = (p >= threshold).astype(np.int64)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, predicted, average="binary", pos_label=1, zero_division=0
    )
    both = 0 < int(y.sum()) < len(y)
    return {
        "n": len(y),
        "n_positive": int(y.sum()),
        "threshold": threshold,
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "roc_auc": float(roc_auc_score(y, p)) if both else None,
        "pr_auc": float(average_precision_score(y, p)) if int(y.sum()) > 0 else None,
    }


def _check_labels(texts: Sequence[str], labels: Sequence[int]) -> np.ndarray:
    if len(texts) != len(labels):
        raise ClassifierError(f"{len(texts)} texts but {len(labels)} labels")
    y = np.asarray(labels)
    if y.size and not np.isin(y, (0, 1)).all():
        raise ClassifierError("labels must be 0 or 1")
    return y.astype(np.int64)


def _fit(config: FeatureConfig, texts: list[str], y: np.ndarray) -> Pipeline:
    pipeline = build_pipeline(config, len(texts))
    try:
        pipeline.fit(texts, y)
    except ValueError as exc:  # e.g. an empty vocabulary: every text blank
        raise ClassifierError(f"training failed: {exc}") from exc
    return pipeline


def train(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    config: FeatureConfig | None = None,
    test_size: float = 0.2,
    seed: int = 0,
    threshold: float = 0.5,
    refit: bool = True,
) -> Classifier:
    """Fit on a stratified (1 - test_size) split, measure on the held-out rest, then (``refit``) fit again on all
    data. The metrics stored in the model describe the held-out split."""
    config = config or FeatureConfig()
    y = _check_labels(texts, labels)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if min(n_pos, n_neg) < MIN_PER_CLASS:
        raise ClassifierError(
            f"need at least {MIN_PER_CLASS} examples of each class; got {n_pos} positive and {n_neg} negative"
        )
    if not 0.05 <= test_size <= 0.5:
        raise ClassifierError(f"test_size must be between 0.05 and 0.5, got {test_size}")
    docs = [str(t) for t in texts]
    train_x, test_x, train_y, test_y = train_test_split(docs, y, test_size=test_size, stratify=y, random_state=seed)
    held = _fit(config, train_x, train_y)
    proba = held.predict_proba(test_x)[:, list(held.classes_).index(1)]
    held_out = metrics(test_y, proba, threshold)
    pipeline = _fit(config, docs, y) if refit else held
    now = datetime.now(UTC)
    from tipwatch.indicators.lexicon import default_lexicon

    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tipwatch_version": __version__,
        "sklearn_version": sklearn.__version__,
        "trained_at": now.isoformat(timespec="seconds"),
        "name": f"clf-{now:%Y%m%dT%H%M%SZ}",
        "feature_config": asdict(config),
        "n_train": len(docs) if refit else len(train_x),
        "n_positive": n_pos,
        "n_negative": n_neg,
        "held_out": {"fraction": test_size, "seed": seed, "n": len(test_x), "refit_on_all": refit},
        "metrics": held_out,
        "lexicon_digest": default_lexicon().digest,
    }
    return Classifier(pipeline, meta)


def evaluate(
    model: Classifier, texts: Sequence[str], labels: Sequence[int], threshold: float | None = None
) -> dict[str, Any]:
    """Metrics of ``model`` on labelled texts (threshold: the one the model was trained with, default 0.5)."""
    y = _check_labels(texts, labels)
    if threshold is None:
        threshold = float(model.meta.get("metrics", {}).get("threshold", 0.5))
    report = metrics(y, model.predict_proba(list(texts)), threshold)
    report["model"] = model.name
    return report


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def load_model(path: str | Path) -> Classifier:
    """Read a model file written by Classifier.save; refuse incompatible versions with a clear error."""
    path = Path(path)
    if not path.is_file():
        raise ClassifierError(f"{path}: model file not found")
    try:
        payload = joblib.load(path)
    except Exception as exc:  # joblib/pickle raise many types on foreign or truncated files
        raise ClassifierError(f"{path}: not a readable tipwatch model file ({type(exc).__name__}: {exc})") from exc
    meta = payload.get("meta") if isinstance(payload, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ClassifierError(f"{path}: not a tipwatch model file")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise IncompatibleModel(
            f"{path}: model format version {version} (written by tipwatch {meta.get('tipwatch_version')}); "
            f"this tipwatch {__version__} reads version {FORMAT_VERSION}. Retrain with `tipwatch train`."
        )
    trained_with = str(meta.get("sklearn_version", "?"))
    if _major_minor(trained_with) != _major_minor(sklearn.__version__):
        raise IncompatibleModel(
            f"{path}: trained with scikit-learn {trained_with}, installed {sklearn.__version__}; "
            "pickled models do not carry across scikit-learn versions. Retrain with `tipwatch train`."
        )
    blob = payload.get("pipeline")
    if not isinstance(blob, bytes):
        raise ClassifierError(f"{path}: model file has no pipeline")
    try:
        pipeline = pickle.load(io.BytesIO(blob))
    except Exception as exc:
        raise ClassifierError(f"{path}: cannot rebuild the model ({type(exc).__name__}: {exc})") from exc
    if not hasattr(pipeline, "predict_proba"):
        raise ClassifierError(f"{path}: model file has no usable pipeline")
    from tipwatch.indicators.lexicon import default_lexicon

    if meta.get("lexicon_digest") != default_lexicon().digest:
        # The indicator features come from the lexicon: they drift when it changes. Usable, but say so.
        warnings.warn(
            f"{path}: trained with lexicon {meta.get('lexicon_digest')}, running with {default_lexicon().digest}; "
            "retrain for consistent indicator features",
            LexiconChanged,
            stacklevel=2,
        )
    return Classifier(pipeline, meta)
