"""`tipwatch evaluate`: metrics of a trained model on a labelled file, as one JSON object on stdout."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer

from tipwatch.cli.common import fail, stdout_write
from tipwatch.cli.train_cmd import split_columns


def evaluate(
    data: Path = typer.Option(..., "--data", help="Labelled CSV or JSON lines file (.csv, .jsonl, .json; .gz ok)."),
    text_col: str = typer.Option(..., "--text-col", help="Text column(s), comma-separated (joined by a newline)."),
    label_col: str = typer.Option(..., "--label-col", help="Label column: 1/0, true/false, trafficking/benign ..."),
    model: Path = typer.Option(..., "--model", help="A model file written by `tipwatch train`."),
    threshold: float | None = typer.Option(
        None, "--threshold", min=0.0, max=1.0, help="Decision threshold (default: the model's)."
    ),
) -> None:
    """Print precision, recall, f1, roc_auc, pr_auc, n and threshold of MODEL on a labelled file (JSON)."""
    from tipwatch.indicators.classifier import ClassifierError, load_model
    from tipwatch.indicators.classifier import evaluate as measure
    from tipwatch.indicators.datasets import DataError, read_labelled

    columns = split_columns(text_col)
    try:
        classifier = load_model(model)
        texts, labels = read_labelled(data, columns, label_col)
        report = measure(classifier, texts, labels, threshold)
    except (DataError, ClassifierError) as exc:
        fail(str(exc))
        return
    stdout_write(orjson.dumps(report).decode())
