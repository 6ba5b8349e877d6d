"""Compare networks with a ground truth: pairwise precision/recall/F1, B-cubed F1, adjusted Rand index.

Truth maps post id -> true network id, or None for an independent post. Predictions map post id -> network id;
a post in no network is absent. Both are scored as partitions of the truth's posts, where an independent or
unassigned post is a cluster of its own. Pair counts come from the contingency table, never from listing pairs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score


def _c2(n: int) -> int:
    return n * (n - 1) // 2


def evaluate(
    truth: Mapping[str, str | None],
    predicted: Mapping[str, str],
    benign: Mapping[str, bool] | None = None,
) -> dict[str, Any]:
    ids = sorted(truth)
    t_lab = [f"t:{truth[i]}" if truth[i] is not None else f"s:{i}" for i in ids]
    p_lab = [f"p:{predicted[i]}" if i in predicted else f"s:{i}" for i in ids]
    joint = Counter(zip(t_lab, p_lab, strict=True))
    t_size = Counter(t_lab)
    p_size = Counter(p_lab)
    tp = sum(_c2(n) for n in joint.values())
    pred_pairs = sum(_c2(n) for n in p_size.values())
    true_pairs = sum(_c2(n) for n in t_size.values())
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # B-cubed: per post, the share of its predicted cluster that is truly with it, and of its true cluster found.
    bp = sum(n * n / p_size[p] for (_, p), n in joint.items()) / len(ids) if ids else 1.0
    br = sum(n * n / t_size[t] for (t, _), n in joint.items()) / len(ids) if ids else 1.0
    independent = [i for i in ids if truth[i] is None]
    placed = sum(1 for i in independent if i in predicted)
    out: dict[str, Any] = {
        "posts": len(ids),
        "true_networks": len({truth[i] for i in ids if truth[i] is not None}),
        "predicted_networks": len({predicted[i] for i in ids if i in predicted}),
        "true_pairs": true_pairs,
        "predicted_pairs": pred_pairs,
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
        "bcubed_precision": round(bp, 6),
        "bcubed_recall": round(br, 6),
        "bcubed_f1": round(2 * bp * br / (bp + br), 6) if bp + br else 0.0,
        "adjusted_rand_index": round(float(adjusted_rand_score(t_lab, p_lab)), 6) if ids else 1.0,
        "independent_posts": len(independent),
        "independent_in_network_rate": round(placed / len(independent), 6) if independent else 0.0,
        "predicted_not_in_truth": sum(1 for i in predicted if i not in truth),
    }
    if benign is not None:
        ben = [i for i in independent if benign.get(i)]
        out["benign_independent_posts"] = len(ben)
        out["benign_in_network_rate"] = round(sum(1 for i in ben if i in predicted) / len(ben), 6) if ben else 0.0
    return out


_BENIGN_FIELDS = ("label", "is_trafficking", "trafficking", "suspicious")


def _is_benign(rec: Mapping[str, Any]) -> bool | None:
    for key in _BENIGN_FIELDS:
        if key in rec and rec[key] is not None:
            value = rec[key]
            if isinstance(value, str):
                return value.lower() in {"benign", "0", "false", "no", "negative"}
            return not bool(value)
    return None


def read_truth(path: Path) -> tuple[dict[str, str | None], dict[str, bool] | None]:
    """Truth lines ``{"id", "network_id" (or "network"), ...}``; also which posts are benign when lines say."""
    truth: dict[str, str | None] = {}
    benign: dict[str, bool] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                pid = str(rec["id"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: expected a JSON object with an id ({exc})") from exc
            # "network" is accepted too (corpora written elsewhere use it).
            net = rec.get("network_id", rec.get("network"))
            truth[pid] = None if net is None or net == "" else str(net)
            flag = _is_benign(rec)
            if flag is not None:
                benign[pid] = flag
    return truth, (benign or None)
