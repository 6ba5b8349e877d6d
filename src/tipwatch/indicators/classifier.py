"""The trainable classifier: TF-IDF character and word n-grams plus the indicator features, a linear model with
calibrated probabilities, and a versioned model file.

    model = train(texts, labels)            # held-out metrics in model.meta["metrics"]
    model.save("model.tipwatch")
    model = load_model("model.tipwatch")    # refuses incompatible or foreign files with a clear error
    probas = model.predict_proba(texts)     # 1-D: probability of the positive (trafficking-indicative) class
    report = evaluate(model, texts, labels) # precision, recall, f1, roc_auc, pr_auc, n, threshold

A model file is data, never code: a zip archive of JSON documents (metadata, vocabularies, parameters) and NumPy
arrays read with ``allow_pickle=False``. Loading rebuilds the transformers from tipwatch's own code and the linear
model and its calibration as plain arithmetic, so a crafted file can at worst give wrong scores, never run anything.
Pickle/joblib files (format 1) are refused without being opened as pickles. See docs/security.md.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from scipy import sparse
from scipy.special import expit
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
# 1: joblib pickle (refused: loading a pickle runs code); 2: zip of JSON + .npy (no pickle anywhere).
FORMAT_VERSION = 2
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
    pipeline: Pipeline | _Rebuilt
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
        """Write the model file (see the module docstring): metadata and parameters only, nothing executable."""
        path = Path(path)
        members = _export(self.pipeline)
        members["meta.json"] = json.dumps(self.meta, default=list).encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in _MEMBER_ORDER:
                if name in members:
                    archive.writestr(name, members[name])
        tmp.replace(path)  # a crash mid-write leaves the previous model intact
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


# Members of a model archive, in the order they are written. Nothing else is accepted.
_MEMBER_ORDER = (
    "meta.json",
    "params.json",
    "char.vocabulary.json",
    "char.idf.npy",
    "word.vocabulary.json",
    "word.idf.npy",
    "indicators.max_abs.npy",
    "linear.coef.npy",
)
_ZIP_MAGIC = b"PK\x03\x04"
# Bounds on what a model file may make us allocate (a 300k + 200k feature model is about 30 MB uncompressed).
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_FOLDS = 20


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def _vocabulary_list(vectorizer: TfidfVectorizer) -> list[str]:
    terms = [""] * len(vectorizer.vocabulary_)
    for term, index in vectorizer.vocabulary_.items():
        terms[int(index)] = term
    return terms


def _export(pipeline: Pipeline) -> dict[str, bytes]:
    """The fitted pipeline's parameters as archive members (JSON and .npy)."""
    parts = dict(pipeline.named_steps["features"].transformer_list)
    calibrated = pipeline.named_steps["model"]
    if getattr(calibrated, "method", None) != "sigmoid" or list(calibrated.classes_) != [0, 1]:
        raise ClassifierError("only binary models with sigmoid calibration can be saved")
    folds = []
    coefs = []
    for fold in calibrated.calibrated_classifiers_:
        linear = fold.estimator
        (calibrator,) = fold.calibrators
        coefs.append(np.asarray(linear.coef_, dtype=np.float64).reshape(-1))
        folds.append({"intercept": float(linear.intercept_[0]), "a": float(calibrator.a_), "b": float(calibrator.b_)})
    members: dict[str, bytes] = {}
    params: dict[str, Any] = {"folds": folds}
    for name in ("char", "word"):
        vectorizer = parts[name]
        params[name] = {"ngram_range": list(vectorizer.ngram_range)}
        members[f"{name}.vocabulary.json"] = json.dumps(_vocabulary_list(vectorizer), ensure_ascii=False).encode()
        members[f"{name}.idf.npy"] = _npy(np.asarray(vectorizer.idf_, dtype=np.float64))
    if "indicators" in parts:
        steps = parts["indicators"].named_steps
        params["indicators"] = {"categories": list(steps["counts"].categories_)}
        members["indicators.max_abs.npy"] = _npy(np.asarray(steps["scale"].max_abs_, dtype=np.float64))
    members["params.json"] = json.dumps(params).encode()
    members["linear.coef.npy"] = _npy(np.vstack(coefs))
    return members


class _Rebuilt:
    """A loaded model: the same features as the trained pipeline (built from tipwatch's own code and the saved
    vocabularies) and the calibrated linear model as arithmetic (mean over folds of sigmoid(a * (w.x + c) + b),
    as scikit-learn's CalibratedClassifierCV computes it)."""

    classes_ = np.asarray([0, 1])

    def __init__(
        self,
        vectorizers: list[TfidfVectorizer],
        indicators: tuple[IndicatorFeatures, np.ndarray] | None,
        coef: np.ndarray,
        folds: list[tuple[float, float, float]],
    ) -> None:
        self.vectorizers = vectorizers
        self.indicators = indicators
        self.coef = coef
        self.folds = folds

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        forms = match_forms(texts)
        blocks = [v.transform(forms) for v in self.vectorizers]
        if self.indicators is not None:
            counts, max_abs = self.indicators
            scale = np.where(max_abs == 0, 1.0, max_abs)  # MaxAbsScaler leaves all-zero columns as they are
            blocks.append(sparse.csr_matrix(counts.transform(forms).multiply(1.0 / scale)))
        x = sparse.hstack(blocks).tocsr().astype(np.float64)
        positive = np.zeros(x.shape[0])
        for row, (intercept, a, b) in enumerate(self.folds):
            decision = x @ self.coef[row] + intercept
            positive += expit(-(a * decision + b))
        positive /= len(self.folds)
        return np.column_stack([1.0 - positive, positive])


def _read_members(path: Path) -> dict[str, bytes]:
    with path.open("rb") as fh:
        head = fh.read(4)
    if head != _ZIP_MAGIC:
        if head[:1] == b"\x80" or head[:1] == b"\x78" or path.suffix.lower() in (".joblib", ".pkl", ".pickle"):
            # Never unpickled: loading a pickle runs whatever code its author put in it.
            raise IncompatibleModel(
                f"{path}: refused: looks like a pickle/joblib model file (tipwatch format 1 or foreign), which can "
                "run code when loaded. Retrain with `tipwatch train` to get a safe model file."
            )
        raise ClassifierError(f"{path}: not a readable tipwatch model file (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = [i.filename for i in infos]
            unknown = sorted(set(names) - set(_MEMBER_ORDER))
            if unknown or len(names) != len(set(names)):
                raise ClassifierError(f"{path}: not a tipwatch model file (unexpected members: {unknown[:5]})")
            out: dict[str, bytes] = {}
            for info in infos:
                if info.file_size > MAX_MEMBER_BYTES:
                    raise ClassifierError(f"{path}: member {info.filename} too large ({info.file_size} bytes)")
                with archive.open(info) as member:
                    data = member.read(MAX_MEMBER_BYTES + 1)  # the header's size can lie; the read is bounded
                if len(data) > MAX_MEMBER_BYTES:
                    raise ClassifierError(f"{path}: member {info.filename} too large")
                out[info.filename] = data
            return out
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, ClassifierError):
            raise
        raise ClassifierError(f"{path}: not a readable tipwatch model file ({type(exc).__name__}: {exc})") from exc


def _array(path: Path, members: dict[str, bytes], name: str, ndim: int) -> np.ndarray:
    if name not in members:
        raise ClassifierError(f"{path}: model file has no {name}")
    try:
        array = np.load(io.BytesIO(members[name]), allow_pickle=False)
    except ValueError as exc:  # object arrays (which would need pickle) land here too
        raise ClassifierError(f"{path}: {name} is not a plain numeric array ({exc})") from exc
    if not isinstance(array, np.ndarray) or array.ndim != ndim or array.dtype.kind not in "fi":
        raise ClassifierError(f"{path}: {name} is not a {ndim}-D numeric array")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ClassifierError(f"{path}: {name} holds non-finite numbers")
    return array


def _json(path: Path, members: dict[str, bytes], name: str) -> Any:
    if name not in members:
        raise ClassifierError(f"{path}: model file has no {name}")
    try:
        return json.loads(members[name].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ClassifierError(f"{path}: {name} is not valid JSON ({exc})") from exc


def _ngram_range(path: Path, value: Any) -> tuple[int, int]:
    ok = isinstance(value, list) and len(value) == 2 and all(type(v) is int and 1 <= v <= 10 for v in value)
    if not ok or value[0] > value[1]:
        raise ClassifierError(f"{path}: bad ngram_range {value!r}")
    return value[0], value[1]


def _vectorizer(path: Path, members: dict[str, bytes], params: dict[str, Any], name: str) -> TfidfVectorizer:
    spec = params.get(name)
    if not isinstance(spec, dict):
        raise ClassifierError(f"{path}: params.json has no {name} block")
    low, high = _ngram_range(path, spec.get("ngram_range"))
    terms = _json(path, members, f"{name}.vocabulary.json")
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms) or len(set(terms)) != len(terms):
        raise ClassifierError(f"{path}: {name}.vocabulary.json is not a list of distinct strings")
    idf = _array(path, members, f"{name}.idf.npy", 1)
    if len(idf) != len(terms):
        raise ClassifierError(f"{path}: {name} has {len(terms)} terms but {len(idf)} idf values")
    # Everything that decides how text is cut into terms comes from this code, not the file.
    common = {"lowercase": False, "ngram_range": (low, high), "sublinear_tf": True, "dtype": np.float32}
    if name == "char":
        vectorizer = TfidfVectorizer(analyzer="char_wb", **common)
    else:
        vectorizer = TfidfVectorizer(token_pattern=TOKEN_PATTERN, **common)
    vectorizer.vocabulary_ = {term: i for i, term in enumerate(terms)}
    vectorizer.idf_ = idf
    return vectorizer


def _rebuild(path: Path, members: dict[str, bytes]) -> _Rebuilt:
    params = _json(path, members, "params.json")
    if not isinstance(params, dict):
        raise ClassifierError(f"{path}: params.json is not an object")
    vectorizers = [_vectorizer(path, members, params, name) for name in ("char", "word")]
    width = sum(len(v.vocabulary_) for v in vectorizers)
    indicators = None
    if "indicators" in params:
        spec = params["indicators"]
        categories = spec.get("categories") if isinstance(spec, dict) else None
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            raise ClassifierError(f"{path}: params.json indicators block has no list of categories")
        counts = IndicatorFeatures()
        counts.categories_ = categories
        max_abs = _array(path, members, "indicators.max_abs.npy", 1)
        if len(max_abs) != len(categories) + 2:
            raise ClassifierError(f"{path}: indicator scale does not match its {len(categories)} categories")
        indicators = (counts, max_abs)
        width += len(max_abs)
    coef = _array(path, members, "linear.coef.npy", 2)
    folds_spec = params.get("folds")
    if (
        not isinstance(folds_spec, list)
        or not 1 <= len(folds_spec) <= MAX_FOLDS
        or coef.shape
        != (
            len(folds_spec),
            width,
        )
    ):
        raise ClassifierError(f"{path}: linear model shape {coef.shape} does not match its features ({width})")
    folds: list[tuple[float, float, float]] = []
    for fold in folds_spec:
        try:
            values = tuple(float(fold[k]) for k in ("intercept", "a", "b"))
        except (KeyError, TypeError, ValueError) as exc:
            raise ClassifierError(f"{path}: bad calibration fold {str(fold)[:100]}") from exc
        if not all(np.isfinite(values)):
            raise ClassifierError(f"{path}: calibration fold holds non-finite numbers")
        folds.append((values[0], values[1], values[2]))
    return _Rebuilt(vectorizers, indicators, coef, folds)


def check_model_file(path: str | Path) -> dict[str, Any]:
    """The metadata of a model file, after the checks that need no rebuild (a pickle, a foreign or incompatible file
    is refused with ClassifierError). Cheap: for commands to refuse a bad --model before starting workers."""
    path = Path(path)
    if not path.is_file():
        raise ClassifierError(f"{path}: model file not found")
    return _check_meta(path, _read_members(path))


def _check_meta(path: Path, members: dict[str, bytes]) -> dict[str, Any]:
    meta = _json(path, members, "meta.json") if "meta.json" in members else None
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
        # The TF-IDF term cutting and idf weighting are scikit-learn's: another version may cut differently.
        raise IncompatibleModel(
            f"{path}: trained with scikit-learn {trained_with}, installed {sklearn.__version__}; "
            "features may differ across scikit-learn versions. Retrain with `tipwatch train`."
        )
    return meta


def load_model(path: str | Path) -> Classifier:
    """Read a model file written by Classifier.save; refuse pickles, foreign and incompatible files clearly."""
    path = Path(path)
    if not path.is_file():
        raise ClassifierError(f"{path}: model file not found")
    members = _read_members(path)
    meta = _check_meta(path, members)
    pipeline = _rebuild(path, members)
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
