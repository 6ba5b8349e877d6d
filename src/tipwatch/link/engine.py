"""One update of the link state with a batch of new posts: links, then networks of the components touched.

A full build is the same update applied to an empty state with every post as the batch, so incremental and full
runs share one code path. Results are equal because every stage is defined per post or per pair, not per run:

- text pairs: a pair is linked iff the two posts collide in an LSH band and their Jaccard estimate reaches the
  threshold; only posts whose signature changed ("dirty": new, or holding a shingle that crossed the boilerplate
  cap) are re-paired;
- entities: an entity's weight and hub status are functions of its members, recomputed for the entities the batch
  touched;
- networks: clustering is per connected component and canonical in the post ids (cluster.py), so only components
  that gained or lost a link are reclustered.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from tipwatch.link.batch import Batch
from tipwatch.link.cluster import LinkGraph, cluster
from tipwatch.link.config import LinkConfig
from tipwatch.link.entities import EntityStats, entity_stats
from tipwatch.link.lsh import band_keys, candidate_pairs
from tipwatch.link.pictures import near_pairs, table_bytes
from tipwatch.link.state import SIGNAL_CODE, LinkState
from tipwatch.link.textsig import I64, filter_csr, jaccard_estimate, minhash, perm_params

Bool = npt.NDArray[np.bool_]
TEXT = SIGNAL_CODE["text"]


@dataclass(slots=True)
class ExternalPairs:
    """Pairs found by another producer (e.g. PDQ image matches): post ids and a distance per pair."""

    signal: str
    a_ids: Sequence[str]
    b_ids: Sequence[str]
    distance: Sequence[float]


@dataclass(slots=True)
class Delta:
    """What an update changed, for the store: networks to write and to delete, posts whose links changed."""

    affected: I64
    networks: dict[str, I64]
    removed_networks: list[str]
    changed_keys: npt.NDArray[np.uint64]
    stats: EntityStats
    timings: dict[str, float] = field(default_factory=dict)


def csr_take(indptr: I64, ids: npt.NDArray[np.uint32], rows: I64) -> tuple[I64, npt.NDArray[np.uint32]]:
    """The CSR rows ``rows`` as a new CSR."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    out = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    pos = np.repeat(starts - out[:-1], lengths) + np.arange(int(out[-1]), dtype=np.int64)
    return out, ids[pos]


def _codes(vocab: list[str], values: Sequence[str]) -> npt.NDArray[np.int32]:
    index = {v: i for i, v in enumerate(vocab)}
    out = np.empty(len(values), dtype=np.int32)
    for i, v in enumerate(values):
        code = index.get(v)
        if code is None:
            code = index[v] = len(vocab)
            vocab.append(v)
        out[i] = code
    return out


def _pair_code(a: I64, b: I64) -> npt.NDArray[np.uint64]:
    return (np.minimum(a, b).astype(np.uint64) << np.uint64(32)) | np.maximum(a, b).astype(np.uint64)


def _append(state: LinkState, batch: Batch, cfg: LinkConfig) -> None:
    n_old = state.n
    state.ids.extend(batch.ids)
    state.platform = np.concatenate([state.platform, _codes(state.platforms, batch.platform)])
    state.kind = np.concatenate([state.kind, _codes(state.kinds, batch.kind)])
    state.sh_indptr = np.concatenate([state.sh_indptr, batch.sh_indptr[1:] + state.sh_indptr[-1]])
    state.sh_ids = np.concatenate([state.sh_ids, batch.sh_ids])
    state.sigs = np.concatenate([state.sigs, np.zeros((batch.n, cfg.text.num_perm), np.uint32)])
    state.textable = np.concatenate([state.textable, np.zeros(batch.n, bool)])
    state.contact = np.concatenate([state.contact, batch.contact])
    state.memb_post = np.concatenate([state.memb_post, batch.memb_post + n_old])
    state.memb_key = np.concatenate([state.memb_key, batch.memb_key])
    state.memb_type = np.concatenate([state.memb_type, batch.memb_type])
    state.comp = np.concatenate([state.comp, np.full(batch.n, -1, np.int64)])
    state.net = np.concatenate([state.net, np.full(batch.n, -1, np.int64)])


def _update_signatures(state: LinkState, n_old: int, batch_ids: npt.NDArray[np.uint32], cfg: LinkConfig) -> Bool:
    """Add the batch to the document frequencies, re-sign every post whose boilerplate filter changed.

    Returns the dirty mask: new posts and old posts holding a shingle that crossed the boilerplate cap.
    """
    tc = cfg.text
    cap_old = state.df_cap
    uniq, counts = np.unique(batch_ids, return_counts=True)
    before = state.df[uniq].copy()
    state.df[uniq] += counts.astype(np.uint32)
    state.df_cap = tc.df_cap(state.n)
    # Shingles whose boilerplate status flipped: batch shingles crossing the cap, and, when the cap moved, shingles
    # whose unchanged frequency lies between the old and the new cap.
    flip_batch = uniq[(before > cap_old) != (state.df[uniq] > state.df_cap)]
    flipped = [flip_batch]
    if n_old and state.df_cap != cap_old:
        lo, hi = min(cap_old, state.df_cap), max(cap_old, state.df_cap)
        between = np.flatnonzero((state.df > lo) & (state.df <= hi)).astype(np.uint32)
        flipped.append(between[np.isin(between, uniq, invert=True)])
    flip_ids = np.concatenate(flipped)
    dirty = np.zeros(state.n, dtype=bool)
    dirty[n_old:] = True
    if n_old and len(flip_ids):
        mask = np.zeros(len(state.df), dtype=bool)
        mask[flip_ids] = True
        hit = np.flatnonzero(mask[state.sh_ids[: state.sh_indptr[n_old]]])
        dirty[np.searchsorted(state.sh_indptr, hit, side="right") - 1] = True
    rows = np.flatnonzero(dirty)
    indptr, ids = csr_take(state.sh_indptr, state.sh_ids, rows)
    indptr, ids = filter_csr(indptr, ids, state.df[ids] <= state.df_cap)
    a, b = perm_params(tc.num_perm, tc.seed)
    state.sigs[rows] = minhash(indptr, ids, a, b)
    # Text links join ads: a reposted notice or joke that names no contact is content, not an ad.
    contact_ok = state.contact[rows] if tc.require_contact else True
    state.textable[rows] = (np.diff(indptr) >= tc.min_shingles) & contact_ok
    return dirty


def _update_text_pairs(state: LinkState, dirty: Bool, cfg: LinkConfig) -> I64:
    """Re-pair the dirty posts; returns the posts at either end of a text link that appeared, went or changed."""
    tc = cfg.text
    members = np.flatnonzero(state.textable)
    keys = band_keys(state.sigs[members], tc.bands, tc.rows)
    a, b = candidate_pairs(keys, members, dirty)
    j = jaccard_estimate(state.sigs, a, b)
    ok = j >= tc.min_jaccard
    a, b, j = a[ok], b[ok], j[ok]
    old = (state.pair_signal == TEXT) & (dirty[state.pair_a] | dirty[state.pair_b])
    old_a, old_b, old_w = state.pair_a[old], state.pair_b[old], state.pair_w[old]
    by_code = np.argsort(_pair_code(old_a, old_b))
    old_a, old_b, old_w = old_a[by_code], old_b[by_code], old_w[by_code]
    old_code = _pair_code(old_a, old_b)
    new_code = _pair_code(a, b)
    # Posts whose links really changed: pairs on one side only, or with another weight.
    same = np.zeros(len(new_code), dtype=bool)
    matched = np.zeros(len(old_code), dtype=bool)
    if len(old_code):
        pos = np.minimum(np.searchsorted(old_code, new_code), len(old_code) - 1)
        same = (old_code[pos] == new_code) & (old_w[pos] == j)
        matched[pos[same]] = True
    touched = np.concatenate([a[~same], b[~same], old_a[~matched], old_b[~matched]])
    keep = ~old
    strong = j >= tc.strong_jaccard if tc.strong_jaccard is not None else np.zeros(len(j), dtype=bool)
    _set_pairs(state, keep, a, b, np.full(len(a), TEXT, np.uint8), j, j, strong)
    return touched


def _set_pairs(
    state: LinkState,
    keep: Bool,
    a: I64,
    b: I64,
    signal: npt.NDArray[np.uint8],
    w: npt.NDArray[np.float32],
    ev: npt.NDArray[np.float32],
    strong: Bool,
) -> None:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    state.pair_a = np.concatenate([state.pair_a[keep], lo]).astype(np.int64)
    state.pair_b = np.concatenate([state.pair_b[keep], hi]).astype(np.int64)
    state.pair_signal = np.concatenate([state.pair_signal[keep], signal]).astype(np.uint8)
    state.pair_w = np.concatenate([state.pair_w[keep], w]).astype(np.float32)
    state.pair_ev = np.concatenate([state.pair_ev[keep], ev]).astype(np.float32)
    state.pair_strong = np.concatenate([state.pair_strong[keep], strong]).astype(bool)


def _add_external(state: LinkState, external: Sequence[ExternalPairs], cfg: LinkConfig) -> I64:
    """Add pairs from other producers (replacing the same pair of the same signal); returns their endpoints."""
    if not external:
        return np.zeros(0, dtype=np.int64)
    index = {pid: i for i, pid in enumerate(state.ids)}
    touched: list[I64] = []
    for ext in external:
        scfg = cfg.pairs.get(ext.signal)
        if scfg is None or ext.signal not in SIGNAL_CODE:
            raise ValueError(f"unknown pair signal {ext.signal!r}: add it to link.yaml and state.PAIR_SIGNALS")
        rows = [
            (index[x], index[y], float(d))
            for x, y, d in zip(ext.a_ids, ext.b_ids, ext.distance, strict=True)
            if x in index and y in index and x != y and d <= scfg.max_distance
        ]
        if not rows:
            continue
        a = np.array([r[0] for r in rows], dtype=np.int64)
        b = np.array([r[1] for r in rows], dtype=np.int64)
        d = np.array([r[2] for r in rows], dtype=np.float32)
        code = SIGNAL_CODE[ext.signal]
        mine = state.pair_signal == code
        drop = mine & np.isin(_pair_code(state.pair_a, state.pair_b), _pair_code(a, b))
        w = np.clip(1.0 - d / scfg.max_distance, 0.0, 1.0).astype(np.float32)
        _set_pairs(state, ~drop, a, b, np.full(len(a), code, np.uint8), w, d, d <= scfg.strong_distance)
        touched.extend([a, b])
    return np.concatenate(touched) if touched else np.zeros(0, dtype=np.int64)


Memberships = tuple[I64, npt.NDArray[np.uint64], npt.NDArray[np.uint8]]


def _update_images(state: LinkState, batch: Batch, n_old: int, cfg: LinkConfig) -> npt.NDArray[np.uint64]:
    """Add the batch's pictures and re-chain picture clusters; returns the cluster keys that appeared or went.

    A picture cluster is a connected component of "PDQ distance <= threshold" over all pictures, keyed by its
    smallest hash key: single linkage does not depend on arrival order, so incremental == full.
    """
    n_img_old = len(state.img_post)
    if batch.img_post.size == 0:
        return np.zeros(0, dtype=np.uint64)
    state.img_post = np.concatenate([state.img_post, batch.img_post + n_old])
    state.img_pdq = np.concatenate([state.img_pdq, batch.img_pdq])
    state.img_key = np.concatenate([state.img_key, batch.img_key])
    old_cluster = state.img_cluster
    # Identical hashes (the same file reposted) are one picture; search near pairs among distinct hashes only.
    n_img = len(state.img_post)
    distinct, first_img, img_hash = np.unique(
        np.ascontiguousarray(state.img_pdq).view("S32").ravel(), return_index=True, return_inverse=True
    )
    img_hash = img_hash.ravel()
    query = np.zeros(len(distinct), dtype=bool)
    query[img_hash[n_img_old:]] = True
    ic = cfg.images
    tables = table_bytes(ic.lsh_tables, ic.lsh_bytes, ic.seed)
    ha, hb, _ = near_pairs(state.img_pdq[first_img], query, ic.pdq_max_distance, tables)
    # Old clusters stay chained (each picture to its cluster's first picture); copies chain to their hash's first
    # picture; near pairs chain the first pictures of the two hashes.
    _, first, inv = np.unique(old_cluster, return_index=True, return_inverse=True)
    a = np.concatenate([np.arange(n_img_old), np.arange(n_img), first_img[ha]])
    b = np.concatenate([first[inv.ravel()], first_img[img_hash], first_img[hb]])
    m = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n_img, n_img))
    _, comp = connected_components(m, directed=False)
    key = np.full(int(comp.max()) + 1, np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(key, comp, state.img_key)
    state.img_cluster = key[comp]
    moved = np.flatnonzero(old_cluster != state.img_cluster[:n_img_old])
    return np.unique(np.concatenate([old_cluster[moved], state.img_cluster[moved], state.img_cluster[n_img_old:]]))


def _image_values(state: LinkState, keys: npt.NDArray[np.uint64]) -> None:
    """Evidence for picture clusters: the PDQ hash that names each cluster."""
    is_name = np.isin(state.img_key, keys) & (state.img_key == state.img_cluster)
    for i in np.flatnonzero(is_name).tolist():
        state.values[int(state.img_key[i])] = ("image", bytes(state.img_pdq[i]).hex())


def _update_entities(
    state: LinkState,
    batch: Batch,
    before_memb: Memberships,
    after_memb: Memberships,
    image_keys: npt.NDArray[np.uint64],
    cfg: LinkConfig,
) -> tuple[EntityStats, npt.NDArray[np.uint64], I64]:
    """Statistics of the entities the batch touched; the keys whose links changed and the posts holding them
    (before or after)."""
    ic = cfg.identifiers
    post, key, typ = after_memb
    touched_keys = np.unique(np.concatenate([batch.memb_key, image_keys]))
    stats = entity_stats(post, key, typ, state.platform, state.kind, ic, only=touched_keys)
    before = entity_stats(*before_memb, state.platform, state.kind, ic, only=touched_keys)

    def status(st: EntityStats) -> tuple[Bool, npt.NDArray[np.float64], Bool]:
        present = np.isin(touched_keys, st.keys)
        row = st.lookup(touched_keys[present])
        linked = np.zeros(len(touched_keys), dtype=bool)
        weight = np.zeros(len(touched_keys))
        strong = np.zeros(len(touched_keys), dtype=bool)
        linked[present] = st.links()[row]
        weight[present] = st.weight[row]
        strong[present] = st.strong[row]
        return linked, weight, strong

    l_now, w_now, s_now = status(stats)
    l_then, w_then, s_then = status(before)
    changed = (l_now != l_then) | (l_now & ((w_now != w_then) | (s_now != s_then)))
    changed_keys = touched_keys[changed]
    holders = np.concatenate([post[np.isin(key, changed_keys)], before_memb[0][np.isin(before_memb[1], changed_keys)]])
    present = np.isin(touched_keys, stats.keys)
    shared = touched_keys[present][stats.n_posts[stats.lookup(touched_keys[present])] >= 2]
    for k in shared.tolist():
        if k in batch.values:
            state.values[k] = batch.values[k]
    _image_values(state, shared)
    return stats, changed_keys, holders


def _link_graph(state: LinkState, memb: Memberships, in_s: Bool, stats: EntityStats, loc: I64) -> LinkGraph:
    """The links among the posts ``in_s`` (closed: no link leaves the set); ``stats`` covers their entities."""
    inside = in_s[memb[0]]
    memb_post, memb_key = memb[0][inside], memb[1][inside]
    pm = in_s[state.pair_a]
    mm = stats.links()[stats.lookup(memb_key)]
    gkeys, ginv = np.unique(memb_key[mm], return_inverse=True)
    grow = stats.lookup(gkeys)
    return LinkGraph(
        n=int(in_s.sum()),
        pair_a=loc[state.pair_a[pm]],
        pair_b=loc[state.pair_b[pm]],
        pair_w=state.pair_w[pm].astype(np.float64),
        pair_strong=state.pair_strong[pm],
        memb_post=loc[memb_post[mm]],
        memb_group=ginv.astype(np.int64).ravel(),
        group_w=stats.weight[grow],
        group_strong=stats.strong[grow],
    )


def network_name(min_post_id: str, taken: set[str]) -> str:
    """A new network's id: derived from its smallest post id (stable across runs), made unique if taken."""
    base = "N" + hashlib.sha256(min_post_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    name, k = base, 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    return name


def _name_networks(
    labels: I64, s_ids: list[str], old_names: list[str | None], live_elsewhere: set[str]
) -> dict[int, str]:
    """Give each new network (label) the id of the old network it overlaps most (each old id used once)."""
    pairs = zip(labels.tolist(), old_names, strict=True)
    overlap = Counter((int(lab), name) for lab, name in pairs if lab >= 0 and name)
    names: dict[int, str] = {}
    used: set[str] = set()
    for (lab, name), _count in sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0])):
        if lab not in names and name not in used and name not in live_elsewhere:
            names[lab] = name
            used.add(name)
    taken = live_elsewhere | used
    for lab in sorted(set(labels[labels >= 0].tolist()) - names.keys()):
        names[lab] = network_name(s_ids[lab], taken)
        taken.add(names[lab])
    return names


def update(
    state: LinkState,
    batch: Batch,
    cfg: LinkConfig,
    *,
    external: Sequence[ExternalPairs] = (),
    prior: Mapping[str, str] | None = None,
) -> Delta:
    """Add ``batch`` to ``state`` (in place): new links, then networks for every component that changed.

    ``prior`` maps post id -> network id from an earlier run (used by a full rebuild to keep network ids).
    """
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    n_old = state.n
    before_memb = state.memberships()
    _append(state, batch, cfg)
    dirty = _update_signatures(state, n_old, batch.sh_ids, cfg)
    t["signatures"] = time.perf_counter() - t0
    touched_text = _update_text_pairs(state, dirty, cfg)
    touched_ext = _add_external(state, external, cfg)
    t["text_pairs"] = time.perf_counter() - t0 - sum(t.values())
    image_keys = _update_images(state, batch, n_old, cfg)
    after_memb = state.memberships()
    _, changed_keys, holders = _update_entities(state, batch, before_memb, after_memb, image_keys, cfg)
    t["entities"] = time.perf_counter() - t0 - sum(t.values())

    touched = np.zeros(state.n, dtype=bool)
    touched[n_old:] = True
    touched[touched_text] = True
    touched[touched_ext] = True
    touched[holders] = True
    old_comps = np.unique(state.comp[:n_old][touched[:n_old]])
    in_s = touched.copy()
    in_s[:n_old] |= np.isin(state.comp[:n_old], old_comps)
    s_idx = np.flatnonzero(in_s)
    loc = np.full(state.n, -1, dtype=np.int64)
    loc[s_idx] = np.arange(len(s_idx))
    # Statistics of every entity held by a post being reclustered (all of them on a full build).
    needed = np.unique(after_memb[1][in_s[after_memb[0]]])
    stats = entity_stats(*after_memb, state.platform, state.kind, cfg.identifiers, only=needed)
    graph = _link_graph(state, after_memb, in_s, stats, loc)
    s_ids = [state.ids[i] for i in s_idx.tolist()]
    order = sorted(range(len(s_ids)), key=s_ids.__getitem__)
    rank = np.empty(len(s_ids), dtype=np.int64)
    rank[order] = np.arange(len(s_ids))
    labels, comp = cluster(graph, rank, cfg.cluster)
    t["cluster"] = time.perf_counter() - t0 - sum(t.values())

    state.comp[s_idx] = comp + state.next_comp
    state.next_comp += int(comp.max()) + 1 if len(comp) else 0
    prior = prior or {}
    old_net = state.net[s_idx]
    old_names = [
        state.net_names[k] if k >= 0 else prior.get(pid) for k, pid in zip(old_net.tolist(), s_ids, strict=True)
    ]
    outside = state.net[~in_s]
    live_elsewhere = {state.net_names[k] for k in np.unique(outside[outside >= 0]).tolist()}
    sorted_ids = [s_ids[i] for i in order]
    named = _name_networks(labels, sorted_ids, old_names, live_elsewhere)
    networks: dict[str, I64] = {}
    new_net = np.full(len(s_idx), -1, dtype=np.int64)
    in_net = np.flatnonzero(labels >= 0)
    uniq, inv = np.unique(labels[in_net], return_inverse=True)
    by_label = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[by_label], np.arange(len(uniq) + 1))
    base = len(state.net_names)
    for u, lab in enumerate(uniq.tolist()):
        local_members = in_net[by_label[bounds[u] : bounds[u + 1]]]
        networks[named[lab]] = s_idx[local_members]
        new_net[local_members] = base + u
        state.net_names.append(named[lab])
    state.net[s_idx] = new_net
    _compact_names(state)
    removed = sorted({n for n in old_names if n} - networks.keys())
    t["name"] = time.perf_counter() - t0 - sum(t.values())
    return Delta(s_idx, networks, removed, changed_keys, stats, t)


def _compact_names(state: LinkState) -> None:
    used = np.unique(state.net[state.net >= 0])
    if len(used) == len(state.net_names):
        return
    remap = np.full(len(state.net_names), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    state.net_names = [state.net_names[k] for k in used.tolist()]
    has = state.net >= 0
    state.net[has] = remap[state.net[has]]


def memberships(state: LinkState) -> dict[str, list[str]]:
    """Network id -> sorted post ids, from the state."""
    out: dict[str, list[str]] = {}
    for i in np.flatnonzero(state.net >= 0).tolist():
        out.setdefault(state.net_names[state.net[i]], []).append(state.ids[i])
    return {k: sorted(v) for k, v in out.items()}
