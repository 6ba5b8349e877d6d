"""Benchmark: quality of the risk score (the indicator model, no classifier) on labelled posts.

Usage: .venv/bin/python benchmarks/bench_risk_quality.py [--n 3000] [--seed 7]

The labelled posts come from ``tipwatch.synth`` (its truth file's ``label``): synthetic, and written by the same
project as the lexicon, so the figures say the indicators separate the generator's classes, not how the score does
on real ads (docs/model-card-risk.md). Prints ROC AUC, average precision, and precision/recall at fixed thresholds.
"""

from __future__ import annotations

import argparse

from sklearn.metrics import average_precision_score, roc_auc_score

from tipwatch.model import Post
from tipwatch.pipeline import Analyzer, Settings
from tipwatch.synth.generator import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    analyzer = Analyzer(Settings())
    labels, risks = [], []
    for raw, truth in generate(args.n, args.seed):
        post = Post(
            str(raw["id"]),
            "synth",
            "line",
            title=raw.get("title") or "",
            body=raw.get("body") or "",
            kind=raw.get("kind") or "other",
            platform=raw.get("platform"),
        )
        risks.append(analyzer.analyze_posts([post])[0].assessment.risk)
        labels.append(int(truth["label"]))
    print(f"posts {len(labels)}, positives {sum(labels)}")
    print(f"ROC AUC {roc_auc_score(labels, risks):.3f}, average precision {average_precision_score(labels, risks):.3f}")
    for th in (0.3, 0.5, 0.7):
        tp = sum(1 for y, r in zip(labels, risks, strict=True) if y and r >= th)
        fp = sum(1 for y, r in zip(labels, risks, strict=True) if not y and r >= th)
        fn = sum(1 for y, r in zip(labels, risks, strict=True) if y and r < th)
        print(f"risk >= {th}: precision {tp / max(1, tp + fp):.3f}, recall {tp / max(1, tp + fn):.3f}")


if __name__ == "__main__":
    main()
