"""`tipwatch train` and `tipwatch evaluate` as a user runs them (subprocess), with their exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import orjson
import pytest
from indicators_labelled import corpus

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TIPWATCH, *args], capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "labelled.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "body", "label"])
        for i, (title, body, label) in enumerate(corpus(200, seed=5)):
            writer.writerow([i, title, body, "trafficking" if label else "benign"])
    return path


@pytest.fixture(scope="module")
def trained(data: Path) -> tuple[Path, dict[str, object]]:
    out = data.parent / "model.tipwatch"
    done = run("train", "--data", str(data), "--text-col", "title,body", "--label-col", "label", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out, orjson.loads(done.stdout)


def test_train_writes_a_model_and_prints_its_metadata(trained: tuple[Path, dict[str, object]]) -> None:
    out, meta = trained
    assert out.is_file()
    assert meta["format_version"] == 2 and meta["n_train"] == 200
    metrics = meta["metrics"]
    assert isinstance(metrics, dict)
    assert metrics["f1"] >= 0.9


def test_evaluate_prints_metrics_json(trained: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    out, _ = trained
    fresh = tmp_path / "fresh.jsonl"
    fresh.write_bytes(b"\n".join(orjson.dumps({"text": f"{t}\n{b}", "y": bool(y)}) for t, b, y in corpus(80, seed=99)))
    done = run("evaluate", "--data", str(fresh), "--text-col", "text", "--label-col", "y", "--model", str(out))
    assert done.returncode == 0, done.stderr
    report = orjson.loads(done.stdout)
    assert {"precision", "recall", "f1", "roc_auc", "pr_auc", "n", "threshold"} <= set(report)
    assert report["n"] == 80 and report["threshold"] == 0.5
    for key in ("precision", "recall", "f1", "roc_auc", "pr_auc"):
        assert 0.0 <= report[key] <= 1.0
    assert report["f1"] >= 0.9


def test_failures_exit_1_with_a_clear_message(trained: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    out, _ = trained
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nhello,1\nworld,perhaps\n", encoding="utf-8")
    done = run("evaluate", "--data", str(bad), "--text-col", "text", "--label-col", "label", "--model", str(out))
    assert done.returncode == 1
    assert "line 3" in done.stderr and "perhaps" in done.stderr
    assert done.stdout == ""
    old = tmp_path / "old.tipwatch"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(old, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "meta.json":
                meta = json.loads(data)
                meta["format_version"] = 0
                data = json.dumps(meta).encode()
            dst.writestr(name, data)
    good = tmp_path / "good.csv"
    good.write_text("text,label\nhello,1\nworld,0\n", encoding="utf-8")
    done = run("evaluate", "--data", str(good), "--text-col", "text", "--label-col", "label", "--model", str(old))
    assert done.returncode == 1 and "format version 0" in done.stderr
    tiny = run("train", "--data", str(good), "--text-col", "text", "--label-col", "label", "--out", str(tmp_path / "t"))
    assert tiny.returncode == 1 and "at least 10 examples" in tiny.stderr


def test_bad_usage_exits_2(data: Path) -> None:
    assert run("train", "--data", str(data), "--text-col", "body").returncode == 2  # missing options
    assert run("evaluate", "--bogus").returncode == 2
