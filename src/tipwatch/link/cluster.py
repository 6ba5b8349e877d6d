"""Networks from the link graph, by the evidence model: links in threshold units (1.0 = enough alone).

1. Connected components over every link (pairs and shared entities), reported with each post.
2. Atoms: union-find over the links whose evidence reaches the threshold alone (a rare phone, the same picture,
   a specific template reposted).
3. Atoms join when the weaker evidence between them adds up to the threshold: each weak shared value once, plus
   the strongest weak pair link (a shared URL and a similar text together may; either alone does not).

Everything is canonical in the posts' ranks (their ids in sorted order): the label of a network is the smallest rank
among its posts, sums run in sorted order. The result does not depend on the order posts arrived in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from tipwatch.link.arrays import pack2, unique_sorted, unpack2
from tipwatch.link.config import ClusterConfig
from tipwatch.link.lsh import pairs_in_groups

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]


@dataclass(slots=True)
class LinkGraph:
    """Links among ``n`` posts (local indices 0..n-1).

    Pairs: (pair_a[i], pair_b[i]) with weight and strength. Groups: post ``memb_post[j]`` belongs to group
    ``memb_group[j]`` (an entity shared by its posts), each group with a weight and strength.
    """

    n: int
    pair_a: I64
    pair_b: I64
    pair_w: F64
    pair_strong: Bool
    memb_post: I64
    memb_group: I64
    group_w: F64
    group_strong: Bool
    # Per group: True for a picture (its exact file, its PDQ cluster and its mirror's cluster are one observation).
    group_picture: Bool | None = None


def _components(n: int, g: int, a: I64, b: I64) -> I64:
    """Connected components over n posts + g group nodes; labels for the posts only."""
    if len(a) == 0:
        return np.arange(n, dtype=np.int64)
    m = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n + g, n + g))
    _, labels = connected_components(m, directed=False)
    return labels[:n].astype(np.int64)


def components(graph: LinkGraph, *, strong_only: bool = False) -> I64:
    """Component label per post over all links (or strong links only: the atoms)."""
    pa, pb = graph.pair_a, graph.pair_b
    mp, mg = graph.memb_post, graph.memb_group
    if strong_only:
        keep = graph.pair_strong
        pa, pb = pa[keep], pb[keep]
        km = graph.group_strong[mg]
        mp, mg = mp[km], mg[km]
    a = np.concatenate([pa, mp])
    b = np.concatenate([pb, graph.n + mg])
    return _components(graph.n, len(graph.group_w), a.astype(np.int64), b.astype(np.int64))


def _relabel(labels: I64) -> tuple[I64, int]:
    uniq, inv = np.unique(labels, return_inverse=True)
    return inv.astype(np.int64), len(uniq)


def _strongest_per_pair(lo: I64, hi: I64, w: npt.NDArray[Any]) -> tuple[I64, I64, F64]:
    """Distinct (lo, hi) pairs, sorted, each with its largest weight. One sort of a packed key and a max per run
    (a three-key lexsort of millions of links cost several times more)."""
    code = pack2(lo, hi)
    order = np.argsort(code)
    code = code[order]
    starts = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
    best = np.maximum.reduceat(np.asarray(w, dtype=np.float64)[order], starts)
    u_lo, u_hi = unpack2(code[starts])
    return u_lo, u_hi, best


def _atom_evidence(graph: LinkGraph, atom: I64, atom_key: I64, cfg: ClusterConfig) -> tuple[I64, I64, F64]:
    """Evidence between atoms (by atom key, lo < hi) from the links below the threshold, in threshold units.

    Fellegi-Sunter adds the evidence of different signals: every weak shared value (a URL, a phone several posters
    show) counts once for two atoms that both hold it, and the pair links between them (a similar text, a
    near-copy picture) count by their strongest one -- a template shared by ten posts is one piece of evidence, not
    ten. Summation order is fixed (sorted), so equal links give bit-identical sums.
    """
    los: list[I64] = []
    his: list[I64] = []
    ws: list[F64] = []
    weak = ~graph.pair_strong
    a_key = atom_key[atom[graph.pair_a[weak]]]
    b_key = atom_key[atom[graph.pair_b[weak]]]
    diff = a_key != b_key
    plo, phi, pw = np.minimum(a_key, b_key)[diff], np.maximum(a_key, b_key)[diff], graph.pair_w[weak][diff]
    if len(plo):
        plo, phi, pw = _strongest_per_pair(plo, phi, pw)
        los.append(plo)
        his.append(phi)
        ws.append(pw)
    big_code = np.zeros((0, 2), dtype=np.int64)
    wm = ~graph.group_strong[graph.memb_group]
    if wm.any():
        grp = graph.memb_group[wm]
        akey = atom_key[atom[graph.memb_post[wm]]]
        code = np.stack(unpack2(unique_sorted(pack2(grp, akey))), axis=1)
        run_start = np.flatnonzero(np.concatenate(([True], code[1:, 0] != code[:-1, 0])))
        sizes = np.diff(np.append(run_start, len(code)))
        # Bounded work: a weak value across more than max_weak_group_atoms groups is expanded only into the pairs
        # other evidence already proposes (below); all pairs of thousands of groups would be quadratic.
        small = np.repeat(sizes <= cfg.max_weak_group_atoms, sizes)
        big_code = code[~small]
        code, sizes = code[small], sizes[sizes <= cfg.max_weak_group_atoms]
        run_start = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64) if len(sizes) else sizes
        end = np.repeat(run_start + sizes, sizes)
        left, right = pairs_in_groups(np.arange(len(code), dtype=np.int64), end.astype(np.int64))
        elo = np.minimum(code[left, 1], code[right, 1])
        ehi = np.maximum(code[left, 1], code[right, 1])
        ew = graph.group_w[code[left, 0]].astype(np.float64)
        pic = graph.group_picture[code[left, 0]] if graph.group_picture is not None else np.zeros(len(ew), bool)
        if pic.any():
            # Pictures: the strongest one per pair of atoms (one photo shows up as several picture entities).
            plo, phi, pw = _strongest_per_pair(elo[pic], ehi[pic], ew[pic])
            los.append(plo)
            his.append(phi)
            ws.append(pw)
        los.append(elo[~pic])
        his.append(ehi[~pic])
        ws.append(ew[~pic])
    if not los:
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros(0, dtype=np.float64)
    lo = np.concatenate(los)
    hi = np.concatenate(his)
    w = np.concatenate(ws)
    if len(lo) and len(big_code):
        # Large weak values add to the atom pairs proposed by other evidence when both atoms hold them.
        key = unique_sorted((lo.astype(np.int64) << np.int64(32)) | hi)
        plo, phi = key >> np.int64(32), key & np.int64(0xFFFFFFFF)
        held = unique_sorted((big_code[:, 1].astype(np.int64) << np.int64(32)) | big_code[:, 0])
        order = np.argsort(big_code[:, 1], kind="stable")
        by_atom = big_code[order]
        start = np.searchsorted(by_atom[:, 1], plo)
        cnt = np.searchsorted(by_atom[:, 1], plo, side="right") - start
        pair = np.repeat(np.arange(len(plo)), cnt)
        pos = np.repeat(start - (np.cumsum(cnt) - cnt), cnt) + np.arange(int(cnt.sum()))
        grp = by_atom[pos, 0]
        want = (phi[pair] << np.int64(32)) | grp
        at = np.minimum(np.searchsorted(held, want), max(len(held) - 1, 0))
        hit = held[at] == want if len(held) else np.zeros(len(want), dtype=bool)
        los.append(plo[pair[hit]])
        his.append(phi[pair[hit]])
        ws.append(graph.group_w[grp[hit]].astype(np.float64))
        lo = np.concatenate(los)
        hi = np.concatenate(his)
        w = np.concatenate(ws)
    if len(lo) == 0:
        return lo, hi, w
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    starts = np.flatnonzero(np.concatenate(([True], (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1]))))
    return lo[starts], hi[starts], np.add.reduceat(w, starts)


def cluster(graph: LinkGraph, rank: I64, cfg: ClusterConfig) -> tuple[I64, I64]:
    """Network label per post (the smallest rank among its members, or -1) and component label per post.

    Atoms: posts joined by links that reach the threshold alone (weight >= 1). Two atoms join when the evidence
    between them adds up to the threshold (``_atom_evidence``). A network is a group of at least
    ``min_network_size`` posts; weak links alone never make one. ``rank`` gives each post's position in the sorted
    list of post ids (distinct integers).
    """
    comp, _ = _relabel(components(graph))
    atom, n_atoms = _relabel(components(graph, strong_only=True))
    big = np.iinfo(np.int64).max
    atom_key = np.full(n_atoms, big, dtype=np.int64)
    np.minimum.at(atom_key, atom, rank)
    lo, hi, w = _atom_evidence(graph, atom, atom_key, cfg)
    enough = w >= 1.0
    if enough.any():
        key_to_atom = np.argsort(atom_key)
        sorted_keys = atom_key[key_to_atom]
        la = key_to_atom[np.searchsorted(sorted_keys, lo[enough])]
        lb = key_to_atom[np.searchsorted(sorted_keys, hi[enough])]
        m = coo_matrix((np.ones(len(la), dtype=np.int8), (la, lb)), shape=(n_atoms, n_atoms))
        _, merged = connected_components(m, directed=False)
        community = merged.astype(np.int64)
    else:
        community = np.arange(n_atoms, dtype=np.int64)
    community, n_comm = _relabel(community)
    comm = community[atom]
    label = np.full(n_comm, big, dtype=np.int64)
    np.minimum.at(label, comm, rank)
    size = np.bincount(comm, minlength=n_comm)
    label[size < cfg.min_network_size] = -1
    return label[comm], comp
