"""`tipwatch train`: fit the classifier on a labelled file and write a versioned model file.

Prints the model's metadata (with held-out metrics) as JSON on stdout; progress and the summary go to stderr.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import typer

from tipwatch.cli.common import console, fail, stdout_write


def split_columns(value: str) -> list[str]:
    columns = [c.strip() for c in value.split(",") if c.strip()]
    if not columns:
        raise typer.BadParameter("give at least one column name", param_hint="--text-col")
    return columns


def train(
    data: Path = typer.Option(..., "--data", help="Labelled CSV or JSON lines file (.csv, .jsonl, .json; .gz ok)."),
    text_col: str = typer.Option(..., "--text-col", help="Text column(s), comma-separated (joined by a newline)."),
    label_col: str = typer.Option(..., "--label-col", help="Label column: 1/0, true/false, trafficking/benign ..."),
    out: Path = typer.Option(..., "--out", help="Where to write the model file."),
    test_size: float = typer.Option(0.2, "--test-size", min=0.05, max=0.5, help="Held-out fraction for metrics."),
    seed: int = typer.Option(0, "--seed", help="Seed of the held-out split."),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0, help="Decision threshold for metrics."),
) -> None:
    """Train the text classifier (calibrated probabilities) and save it with its held-out metrics."""
    from tipwatch.indicators.classifier import ClassifierError
    from tipwatch.indicators.classifier import train as fit
    from tipwatch.indicators.datasets import DataError, read_labelled

    columns = split_columns(text_col)
    try:
        texts, labels = read_labelled(data, columns, label_col)
        console.print(f"training on {len(texts)} rows ({sum(labels)} positive) from {data}")
        with console.status("fitting features and calibrated model"):
            model = fit(texts, labels, test_size=test_size, seed=seed, threshold=threshold)
        path = model.save(out)
    except (DataError, ClassifierError) as exc:
        fail(str(exc))
        return
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
        return
    m = model.meta["metrics"]
    console.print(
        f"wrote {path}: held-out f1 {m['f1']:.3f}, precision {m['precision']:.3f}, recall {m['recall']:.3f} "
        f"(n={m['n']})"
    )
    stdout_write(orjson.dumps(model.meta).decode())
