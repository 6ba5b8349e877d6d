from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import adjusted_rand_score

from tipwatch.link.evaluate import evaluate, read_truth


def test_pair_counts_bcubed_and_ari_on_a_small_partition() -> None:
    truth = {"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y", "f": None, "g": None}
    pred = {"a": "1", "b": "1", "d": "1", "e": "2", "f": "2"}
    m = evaluate(truth, pred)
    # predicted pairs: {a,b,d} -> 3, {e,f} -> 1; true pairs: X -> 3, Y -> 1; correct: (a,b) only.
    assert (m["predicted_pairs"], m["true_pairs"]) == (4, 4)
    assert m["precision"] == pytest.approx(1 / 4) and m["recall"] == pytest.approx(1 / 4)
    # B-cubed precision: a,b 2/3 each, d 1/3, e 1/2, f 1/2, c 1, g 1 -> mean over 7.
    bp = (2 / 3 + 2 / 3 + 1 / 3 + 1 / 2 + 1 / 2 + 1 + 1) / 7
    assert m["bcubed_precision"] == pytest.approx(bp, abs=1e-6)
    ids = sorted(truth)
    t = [truth[i] or f"s{i}" for i in ids]
    p = [pred.get(i, f"s{i}") for i in ids]
    assert m["adjusted_rand_index"] == pytest.approx(adjusted_rand_score(t, p), abs=1e-6)
    assert m["independent_in_network_rate"] == pytest.approx(1 / 2)


def test_perfect_prediction_scores_one() -> None:
    truth = {"a": "X", "b": "X", "c": None}
    m = evaluate(truth, {"a": "n1", "b": "n1"})
    assert m["precision"] == m["recall"] == m["f1"] == m["bcubed_f1"] == m["adjusted_rand_index"] == 1.0


def test_read_truth_with_labels(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    rows = [{"id": "1", "network_id": "n", "label": 1}, {"id": "2", "network_id": None, "label": 0}, {"id": 3}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    truth, benign = read_truth(path)
    assert truth == {"1": "n", "2": None, "3": None}
    assert benign == {"1": False, "2": True}
    m = evaluate(truth, {"2": "x", "1": "x"}, benign)
    assert m["benign_in_network_rate"] == 1.0
