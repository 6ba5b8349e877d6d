"""Networks from the link graph: strong links merge posts into atoms, Leiden splits weakly bridged components.

1. Connected components over every link (pairs and shared entities) bound the work: clusters never cross them.
2. Atoms: union-find over strong links only (a shared rare phone, the same exact image, the same template).
3. A component made of one atom is one network. Otherwise Leiden with the Constant Potts Model runs on the atom
   graph: an atom weighs its number of posts, an edge the summed weight of the weak post-pair links between two
   atoms; two parts stay together only when those links weigh at least ``resolution`` per pair of posts across.
   One weak bridge between two operations therefore does not join them; by default (``weak_joins_groups: false``)
   weak links never join two atoms that both hold several posts.

Everything is canonical in the posts' ranks (their ids in sorted order) -- vertex order, edge order, float sums, the
label of a network (the smallest rank among its posts) -- and each component is clustered on its own with a fixed
seed. The result for a component does not depend on the rest of the corpus or on the order posts arrived in, which
is what lets an incremental update recluster only the components it touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import igraph as ig
import leidenalg
import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

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


def _weak_atom_edges(graph: LinkGraph, atom: I64, atom_key: I64) -> tuple[I64, I64, F64]:
    """Weak links lifted to atom pairs (by atom key, lo < hi), weights summed canonically."""
    los: list[I64] = []
    his: list[I64] = []
    ws: list[F64] = []
    weak = ~graph.pair_strong
    a_key = atom_key[atom[graph.pair_a[weak]]]
    b_key = atom_key[atom[graph.pair_b[weak]]]
    diff = a_key != b_key
    los.append(np.minimum(a_key, b_key)[diff])
    his.append(np.maximum(a_key, b_key)[diff])
    ws.append(graph.pair_w[weak][diff])
    # A weak shared entity links every two of its atoms, weighted by the number of post pairs across them.
    wm = ~graph.group_strong[graph.memb_group]
    if wm.any():
        grp = graph.memb_group[wm]
        akey = atom_key[atom[graph.memb_post[wm]]]
        code, counts = np.unique(np.stack([grp, akey], axis=1), axis=0, return_counts=True)
        run_start = np.flatnonzero(np.concatenate(([True], code[1:, 0] != code[:-1, 0])))
        sizes = np.diff(np.append(run_start, len(code)))
        end = np.repeat(run_start + sizes, sizes)
        left, right = pairs_in_groups(np.arange(len(code), dtype=np.int64), end.astype(np.int64))
        w = graph.group_w[code[left, 0]] * counts[left] * counts[right]
        los.append(np.minimum(code[left, 1], code[right, 1]))
        his.append(np.maximum(code[left, 1], code[right, 1]))
        ws.append(w.astype(np.float64))
    lo = np.concatenate(los)
    hi = np.concatenate(his)
    w = np.concatenate(ws)
    if len(lo) == 0:
        return lo, hi, w
    # Sorting by (lo, hi, w) fixes the summation order: same links -> bit-identical weights.
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    starts = np.flatnonzero(np.concatenate(([True], (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1]))))
    return lo[starts], hi[starts], np.add.reduceat(w, starts)


def _leiden(n_atoms: int, sizes: I64, lo: I64, hi: I64, w: F64, cfg: ClusterConfig) -> list[int]:
    graph = ig.Graph(n=n_atoms, edges=np.stack([lo, hi], axis=1).tolist(), directed=False)
    graph.es["weight"] = w.tolist()
    part = leidenalg.find_partition(
        graph,
        leidenalg.CPMVertexPartition,
        weights="weight",
        node_sizes=sizes.tolist(),
        resolution_parameter=cfg.resolution,
        seed=cfg.seed,
        n_iterations=-1,
    )
    return list(part.membership)


def cluster(graph: LinkGraph, rank: I64, cfg: ClusterConfig) -> tuple[I64, I64]:
    """Network label per post (the smallest rank among its members, or -1) and component label per post.

    ``rank`` gives each post's position in the sorted list of post ids (distinct integers).
    """
    n = graph.n
    comp, _ = _relabel(components(graph))
    atom, n_atoms = _relabel(components(graph, strong_only=True))
    big = np.iinfo(np.int64).max
    atom_key = np.full(n_atoms, big, dtype=np.int64)
    np.minimum.at(atom_key, atom, rank)
    atom_size = np.bincount(atom, minlength=n_atoms).astype(np.int64)
    atom_comp = np.zeros(n_atoms, dtype=np.int64)
    atom_comp[atom] = comp
    atoms_per_comp = np.bincount(atom_comp, minlength=int(comp.max()) + 1 if n else 0)

    # community per atom: its component unless the component has several atoms and Leiden splits it.
    community = atom_comp.copy()
    multi = np.flatnonzero(atoms_per_comp > 1)
    lo_atom = hi_atom = np.zeros(0, dtype=np.int64)
    w = np.zeros(0, dtype=np.float64)
    if len(multi):
        next_id = int(comp.max()) + 1
        lo, hi, w = _weak_atom_edges(graph, atom, atom_key)
        key_to_atom = np.argsort(atom_key)
        sorted_keys = atom_key[key_to_atom]
        lo_atom = key_to_atom[np.searchsorted(sorted_keys, lo)]
        hi_atom = key_to_atom[np.searchsorted(sorted_keys, hi)]
        if not cfg.weak_joins_groups:
            # Weak links attach single posts to a group, or make groups of single posts; two groups that each have
            # their own strong evidence are reported apart (similar wording is not the same operator).
            keep = (atom_size[lo_atom] == 1) | (atom_size[hi_atom] == 1)
            lo_atom, hi_atom, w = lo_atom[keep], hi_atom[keep], w[keep]
        edge_comp = atom_comp[lo_atom]
        e_order = np.argsort(edge_comp, kind="stable")
        edge_comp_sorted = edge_comp[e_order]
        # atoms of each multi-atom component in canonical (key) order
        multi_mask = atoms_per_comp[atom_comp] > 1
        cand = np.flatnonzero(multi_mask)
        cand = cand[np.lexsort((atom_key[cand], atom_comp[cand]))]
        cand_comp = atom_comp[cand]
        for c in multi:
            members = cand[np.searchsorted(cand_comp, c) : np.searchsorted(cand_comp, c, side="right")]
            local = np.full(n_atoms, -1, dtype=np.int64) if len(members) > 64 else None
            e_lo_i = np.searchsorted(edge_comp_sorted, c)
            e_hi_i = np.searchsorted(edge_comp_sorted, c, side="right")
            idx = e_order[e_lo_i:e_hi_i]
            if local is not None:
                local[members] = np.arange(len(members))
                la, lb = local[lo_atom[idx]], local[hi_atom[idx]]
            else:
                pos = {int(m): i for i, m in enumerate(members)}
                la = np.array([pos[int(x)] for x in lo_atom[idx]], dtype=np.int64)
                lb = np.array([pos[int(x)] for x in hi_atom[idx]], dtype=np.int64)
            membership = _leiden(len(members), atom_size[members], la, lb, w[idx], cfg)
            community[members] = next_id + np.asarray(membership, dtype=np.int64)
            next_id += max(membership) + 1
    community, n_comm = _relabel(community)
    comm = community[atom]
    label = np.full(n_comm, big, dtype=np.int64)
    np.minimum.at(label, comm, rank)
    size = np.bincount(comm, minlength=n_comm)
    # Evidence floor: a network holds at least one strong link (an atom of two or more posts), or weak links
    # weighing min_weak_weight together; one shared company URL or one similar text is not a network.
    has_strong = np.bincount(community, weights=(atom_size >= 2).astype(np.float64), minlength=n_comm) > 0
    inside = community[lo_atom] == community[hi_atom]
    weak = np.bincount(community[lo_atom[inside]], weights=w[inside], minlength=n_comm)
    label[(size < cfg.min_network_size) | (~has_strong & (weak < cfg.min_weak_weight))] = -1
    return label[comm], comp
