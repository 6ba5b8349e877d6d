from __future__ import annotations

import itertools

import numpy as np

from tipwatch.link.cluster import LinkGraph, cluster
from tipwatch.link.config import ClusterConfig

CFG = ClusterConfig(min_network_size=2)


def _graph(n: int, pairs: list[tuple[int, int, float, bool]], groups: list[tuple[list[int], float, bool]] = ()):  # type: ignore[assignment]
    mp = [p for g in groups for p in g[0]]
    mg = [i for i, g in enumerate(groups) for _ in g[0]]
    return LinkGraph(
        n,
        np.array([p[0] for p in pairs], dtype=np.int64),
        np.array([p[1] for p in pairs], dtype=np.int64),
        np.array([p[2] for p in pairs], dtype=np.float64),
        np.array([p[3] for p in pairs], dtype=bool),
        np.array(mp, dtype=np.int64),
        np.array(mg, dtype=np.int64),
        np.array([g[1] for g in groups], dtype=np.float64),
        np.array([g[2] for g in groups], dtype=bool),
    )


def _partition(labels: np.ndarray) -> set[frozenset[int]]:
    out: dict[int, set[int]] = {}
    for i, lab in enumerate(labels.tolist()):
        if lab >= 0:
            out.setdefault(lab, set()).add(i)
    return {frozenset(v) for v in out.values()}


def _clique(nodes: range, w: float) -> list[tuple[int, int, float, bool]]:
    return [(a, b, w, False) for a, b in itertools.combinations(nodes, 2)]


def test_weak_links_alone_make_no_network() -> None:
    # Similar texts below the threshold (weights are in threshold units): no pair is enough, nothing forms.
    pairs = _clique(range(10), 0.7)
    labels, _ = cluster(_graph(11, pairs), np.arange(11), CFG)
    assert _partition(labels) == set()


def test_one_weak_bridge_does_not_join_two_operations() -> None:
    pairs = [(a, a + 1, 1.5, True) for a in range(9)] + [(a, a + 1, 1.5, True) for a in range(10, 19)]
    pairs += [(3, 14, 0.8, False), (4, 15, 0.6, False)]  # the strongest weak pair counts, once
    labels, comp = cluster(_graph(21, pairs), np.arange(21), CFG)
    assert _partition(labels) == {frozenset(range(10)), frozenset(range(10, 20))}
    assert comp[3] == comp[14]  # one component, two networks
    assert labels[20] == -1


def test_evidence_of_different_signals_adds_up() -> None:
    # A similar text (0.6) and a shared URL (0.5) between two groups: together over the threshold.
    pairs = [(0, 1, 1.2, True), (2, 3, 1.2, True), (1, 2, 0.6, False)]
    groups = [([0, 3], 0.5, False)]
    labels, _ = cluster(_graph(5, pairs, groups), np.arange(5), CFG)
    assert _partition(labels) == {frozenset(range(4))}
    labels, _ = cluster(_graph(5, pairs), np.arange(5), CFG)  # the text alone is not enough
    assert _partition(labels) == {frozenset({0, 1}), frozenset({2, 3})}


def test_a_strong_shared_identifier_merges_without_text() -> None:
    groups = [([0, 5, 9], 0.9, True), ([9, 12], 0.8, True)]
    labels, _ = cluster(_graph(13, [], groups), np.arange(13), CFG)
    assert _partition(labels) == {frozenset({0, 5, 9, 12})}


def test_a_weak_entity_alone_cannot_hold_two_strong_groups_together() -> None:
    groups = [(list(range(8)), 1.2, True), (list(range(8, 16)), 1.2, True), ([2, 11], 0.3, False)]
    labels, _ = cluster(_graph(16, [], groups), np.arange(16), CFG)
    assert _partition(labels) == {frozenset(range(8)), frozenset(range(8, 16))}


def test_labels_are_canonical_whatever_the_node_order() -> None:
    pairs = [(a, a + 1, 1.1, True) for a in range(5)] + [(a, a + 1, 1.1, True) for a in range(6, 11)]
    pairs += [(2, 8, 0.7, False), (0, 11, 0.55, False)]
    groups = [([1, 9], 0.4, False)]
    rank = np.arange(12)
    labels, _ = cluster(_graph(12, pairs, groups), rank, CFG)
    assert _partition(labels) == {frozenset(range(12))}
    perm = np.random.default_rng(1).permutation(12)
    inv = np.argsort(perm)  # new node i is old node perm[i]
    moved = [(int(inv[a]), int(inv[b]), w, s) for a, b, w, s in pairs]
    moved_groups = [([int(inv[p]) for p in g[0]], g[1], g[2]) for g in groups]
    labels2, _ = cluster(_graph(12, moved, moved_groups), rank[perm], CFG)
    assert (labels2 == labels[perm]).all()
