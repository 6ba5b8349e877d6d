"""The trainable classifier: train/predict/save/load round trip, metrics, version checks, labelled files, combine."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import pickle
import warnings
import zipfile
from pathlib import Path

import numpy as np
import orjson
import pytest
from indicators_labelled import corpus

from tipwatch.indicators import assess
from tipwatch.indicators.classifier import (
    FORMAT_VERSION,
    Classifier,
    ClassifierError,
    IncompatibleModel,
    LexiconChanged,
    evaluate,
    load_model,
    metrics,
    train,
)
from tipwatch.indicators.combine import combine
from tipwatch.indicators.datasets import DataError, parse_label, read_labelled
from tipwatch.indicators.score import default_scorer, logit

METRIC_KEYS = {"precision", "recall", "f1", "roc_auc", "pr_auc", "n", "threshold"}


@pytest.fixture(scope="module")
def model() -> Classifier:
    rows = corpus(200)
    return train([f"{t}\n{b}" for t, b, _ in rows], [y for _, _, y in rows], seed=1)


def test_trained_model_carries_versioned_metadata_and_held_out_metrics(model: Classifier) -> None:
    meta = model.meta
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["n_train"] == 200 and meta["held_out"]["n"] == 40
    assert meta["feature_config"]["char_ngrams"] == (3, 5)
    assert meta["trained_at"] and meta["tipwatch_version"] and meta["sklearn_version"] and meta["lexicon_digest"]
    assert set(meta["metrics"]) >= METRIC_KEYS
    assert meta["metrics"]["f1"] >= 0.9  # separable data


def test_predict_proba_separates_unseen_texts(model: Classifier) -> None:
    proba = model.predict_proba(
        ["Pune: young fresh college girls, our girls are ready", "flat for rent near the metro, Delhi", ""]
    )
    assert proba.shape == (3,)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert proba[0] > 0.5 > proba[1]
    assert model.predict_proba([]).shape == (0,)


def test_save_and_load_give_the_same_probabilities(model: Classifier, tmp_path: Path) -> None:
    texts = [b for _, b, _ in corpus(20, seed=3)]
    path = model.save(tmp_path / "sub" / "model.joblib")
    loaded = load_model(path)
    assert loaded.name == model.name
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts))


def test_evaluate_reports_metrics_in_range(model: Classifier) -> None:
    rows = corpus(60, seed=11)
    report = evaluate(model, [f"{t}\n{b}" for t, b, _ in rows], [y for _, _, y in rows])
    assert set(report) >= METRIC_KEYS
    for key in ("precision", "recall", "f1", "roc_auc", "pr_auc"):
        assert 0.0 <= report[key] <= 1.0
    assert report["n"] == 60 and report["f1"] >= 0.9


def test_metrics_match_hand_computed_values() -> None:
    # predictions at 0.5: 1, 0, 1, 0 against truth 1, 1, 0, 0 -> one TP, one FP, one FN
    m = metrics([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1], 0.5)
    assert (m["precision"], m["recall"], m["f1"]) == (0.5, 0.5, 0.5)
    assert math.isclose(m["roc_auc"], 0.75)  # 3 of the 4 positive/negative pairs ranked right
    assert math.isclose(m["pr_auc"], (1.0 + 2 / 3) / 2)
    one_class = metrics([0, 0], [0.2, 0.7])
    assert one_class["roc_auc"] is None and one_class["pr_auc"] is None and one_class["precision"] == 0.0


def test_training_refuses_too_little_or_bad_data() -> None:
    with pytest.raises(ClassifierError, match="at least 10 examples of each class"):
        train(["a", "b", "c"] * 5, [1, 0, 0] * 5)
    with pytest.raises(ClassifierError, match="0 or 1"):
        train(["a"] * 30, [2] * 30)
    with pytest.raises(ClassifierError, match="labels"):
        train(["a"] * 3, [1, 0])


def _rewrite_member(path: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    members[name] = data
    with zipfile.ZipFile(path, "w") as archive:
        for key, value in members.items():
            archive.writestr(key, value)


def _rewrite_meta(path: Path, **changes: object) -> None:
    with zipfile.ZipFile(path) as archive:
        meta = json.loads(archive.read("meta.json"))
    meta.update(changes)
    _rewrite_member(path, "meta.json", json.dumps(meta).encode())


def test_incompatible_model_files_are_refused_clearly(model: Classifier, tmp_path: Path) -> None:
    path = model.save(tmp_path / "m.joblib")
    _rewrite_meta(path, format_version=FORMAT_VERSION + 1)
    with pytest.raises(IncompatibleModel, match=rf"format version {FORMAT_VERSION + 1}.*Retrain"):
        load_model(path)
    path = model.save(tmp_path / "m2.joblib")
    _rewrite_meta(path, sklearn_version="0.19.2")
    with pytest.raises(IncompatibleModel, match=r"scikit-learn 0\.19\.2"):
        load_model(path)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"not a model at all")
    with pytest.raises(ClassifierError, match="not a readable tipwatch model"):
        load_model(garbage)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("meta.json", json.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(ClassifierError, match="not a tipwatch model file"):
        load_model(other)
    with pytest.raises(ClassifierError, match="not found"):
        load_model(tmp_path / "missing.joblib")


def test_a_changed_lexicon_is_reported_but_the_model_still_loads(model: Classifier, tmp_path: Path) -> None:
    path = model.save(tmp_path / "m.joblib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(path)  # same lexicon: silent
    _rewrite_meta(path, lexicon_digest="0000000000000000")
    with pytest.warns(LexiconChanged, match="0000000000000000"):
        assert load_model(path).predict_proba(["our girls"]).shape == (1,)


def test_combine_blends_in_log_odds_and_explains_both() -> None:
    text = "our girls are new in town, young and fresh"
    _, indicator = assess(text, "escort_ad", [])
    final = combine(indicator, 0.9, model="clf-test", weights=(0.5, 0.5))
    assert final.indicator_risk == indicator.risk and final.classifier_risk == 0.9
    assert math.isclose(logit(final.risk), 0.5 * logit(indicator.risk) + 0.5 * logit(0.9), abs_tol=1e-9)
    assert final.model == "indicators+clf-test"
    codes = [r.code for r in final.reasons]
    assert "CLASSIFIER" in codes and set(codes) - {"CLASSIFIER"} == {r.code for r in indicator.reasons}
    # reasons + the scaled intercept add up to the final log-odds
    total = 0.5 * default_scorer().intercept + sum(r.contribution for r in final.reasons)
    assert math.isclose(total, logit(final.risk), abs_tol=1e-2)
    contributions = [r.contribution for r in final.reasons]
    positives = [c for c in contributions if c > 0]
    assert contributions[: len(positives)] == sorted(positives, reverse=True)
    # a doubtful classifier lowers, a confident one raises; neither part is lost
    assert combine(indicator, 0.05).risk < indicator.risk < combine(indicator, 0.99).risk
    with pytest.raises(ValueError):
        combine(indicator, float("nan"))


def test_parse_label_mapping() -> None:
    for value in (1, 1.0, True, "1", "true", "Yes", " trafficking ", "POSITIVE", "indicative"):
        assert parse_label(value) == 1, value
    for value in (0, 0.0, False, "0", "false", "no", "benign", "Negative", "not trafficking", "not-trafficking"):
        assert parse_label(value) == 0, value
    for value in (2, "maybe", "", None, float("nan"), [1]):
        assert parse_label(value) is None, value


def _write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_read_labelled_csv_jsonl_gz_and_json_array(tmp_path: Path) -> None:
    rows = [{"title": "Hi", "body": "our girls", "label": "trafficking"}, {"title": "", "body": "flat", "label": "0"}]
    _write_csv(tmp_path / "a.csv", rows)
    assert read_labelled(tmp_path / "a.csv", ["title", "body"], "label") == (["Hi\nour girls", "flat"], [1, 0])
    lines = b"\n".join(orjson.dumps(r) for r in rows) + b"\n\n"
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(lines))
    assert read_labelled(tmp_path / "a.jsonl.gz", ["body"], "label") == (["our girls", "flat"], [1, 0])
    (tmp_path / "a.json").write_bytes(orjson.dumps(rows))
    assert read_labelled(tmp_path / "a.json", ["body"], "label")[1] == [1, 0]
    (tmp_path / "b.json").write_bytes(lines)  # JSON lines under a .json name
    assert read_labelled(tmp_path / "b.json", ["body"], "label")[1] == [1, 0]


def test_read_labelled_errors_name_file_and_line(tmp_path: Path) -> None:
    rows = [{"text": "a", "label": "1"}, {"text": "b", "label": "0"}, {"text": "c", "label": "maybe"}]
    _write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(DataError, match=r"bad\.csv: line 4: label 'maybe'"):
        read_labelled(tmp_path / "bad.csv", ["text"], "label")
    with pytest.raises(DataError, match=r"no column.*body.*the file has: text, label"):
        read_labelled(tmp_path / "bad.csv", ["body"], "label")
    (tmp_path / "bad.jsonl").write_text('{"text": "a", "label": 1}\n{oops\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"line 2: invalid JSON"):
        read_labelled(tmp_path / "bad.jsonl", ["text"], "label")
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(b'{"text": "a", "label": 1}\n' * 200)[:60])
    with pytest.raises(DataError, match="cannot read"):
        read_labelled(tmp_path / "cut.jsonl.gz", ["text"], "label")
    (tmp_path / "data.xlsx").write_bytes(b"PK")
    with pytest.raises(DataError, match="unknown file type"):
        read_labelled(tmp_path / "data.xlsx", ["text"], "label")
    (tmp_path / "empty.csv").write_text("text,label\n", encoding="utf-8")
    with pytest.raises(DataError, match="no rows"):
        read_labelled(tmp_path / "empty.csv", ["text"], "label")


class _Payload:
    """Unpickling this object creates a file: the proof that loading ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (str(self.marker), "pwned"))  # type: ignore[return-value]


@pytest.mark.parametrize("name", ["model.joblib", "model.tipwatch", "model.pkl"])
def test_a_crafted_pickle_is_refused_and_never_run(tmp_path: Path, name: str) -> None:
    marker = tmp_path / "ran.txt"
    crafted = tmp_path / name
    crafted.write_bytes(pickle.dumps({"meta": {"format": "tipwatch-classifier"}, "pipeline": _Payload(marker)}))
    with pytest.raises(ClassifierError, match="pickle"):
        load_model(crafted)
    assert not marker.exists()


def test_a_pickle_hidden_in_a_model_archive_is_refused_and_never_run(model: Classifier, tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    path = model.save(tmp_path / "m.tipwatch")
    # An object array in .npy form is a pickle: np.load(allow_pickle=False) must refuse it.
    evil = np.empty(1, dtype=object)
    evil[0] = _Payload(marker)
    buf = io.BytesIO()
    np.save(buf, evil, allow_pickle=True)
    _rewrite_member(path, "linear.coef.npy", buf.getvalue())
    with pytest.raises(ClassifierError, match=r"linear\.coef\.npy"):
        load_model(path)
    assert not marker.exists()
    path = model.save(tmp_path / "m2.tipwatch")
    _rewrite_member(path, "extra.pkl", pickle.dumps(_Payload(marker)))
    with pytest.raises(ClassifierError, match="unexpected members"):
        load_model(path)
    assert not marker.exists()


def test_a_model_file_holds_no_pickle(model: Classifier, tmp_path: Path) -> None:
    path = model.save(tmp_path / "m.tipwatch")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert "meta.json" in names and "linear.coef.npy" in names
        for name in names:
            data = archive.read(name)
            if name.endswith(".npy"):
                np.load(io.BytesIO(data), allow_pickle=False)  # raises if any member needed pickle
            else:
                json.loads(data)


def test_a_tampered_shape_is_refused(model: Classifier, tmp_path: Path) -> None:
    path = model.save(tmp_path / "m.tipwatch")
    buf = io.BytesIO()
    np.save(buf, np.zeros((3, 7)), allow_pickle=False)
    _rewrite_member(path, "linear.coef.npy", buf.getvalue())
    with pytest.raises(ClassifierError, match="shape"):
        load_model(path)
