"""What an update changed, as the rows the store keeps: entities and hubs, links with evidence, networks with
profiles. Pure functions of the link state, the update's delta and the member posts' facts; the networks service
reads those facts and writes the rows (tipwatch.store.interface.links.LinkStore.write).

Only the posts the update reclustered are rewritten (all of them on a full build).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from tipwatch.extract.registry import linking_types
from tipwatch.link.arrays import group_rows, unique_sorted
from tipwatch.link.config import LinkConfig
from tipwatch.link.engine import Delta
from tipwatch.link.entities import entity_types, hub_reason
from tipwatch.link.profile import MemberFacts, build_profile
from tipwatch.link.rank import score
from tipwatch.link.state import PAIR_SIGNALS, LinkState
from tipwatch.link.template import build_template
from tipwatch.model import post_text
from tipwatch.store.interface.links import EntityWrite, LinkUpdate, LinkWrite, MemberWrite, NetworkWrite
from tipwatch.store.interface.posts import IdentifierRow, PostRecord

I64 = npt.NDArray[np.int64]


# --- entities and links ---------------------------------------------------------------------------------------


def entity_rows(state: LinkState, delta: Delta, keys: Iterable[int], cfg: LinkConfig) -> Iterator[EntityWrite]:
    st = delta.stats
    wanted = np.asarray(list(keys), dtype=np.uint64)
    rows = np.minimum(st.lookup(wanted), max(len(st.keys) - 1, 0))
    # Keys gone (a picture cluster merged into another) or held by one post have no row.
    ok = (st.keys[rows] == wanted) & (st.n_posts[rows] >= 2) if len(st.keys) else np.zeros(len(wanted), bool)
    # Properties computed over every entity: read once, not per row (that was quadratic in the entities).
    weight, hub = st.weight, st.hub
    for key, row in zip(wanted[ok].tolist(), rows[ok].tolist(), strict=True):
        if key not in state.values:
            continue
        etype, value = state.values[key]
        yield {
            "key": key,
            "type": etype,
            "value": value[:512],
            "n_posts": int(st.n_posts[row]),
            "n_platforms": int(st.n_platforms[row]),
            "n_kinds": int(st.n_kinds[row]),
            "weight": float(weight[row]),
            "strong": bool(st.strong[row]),
            "hub": bool(hub[row]),
            "hub_reason": hub_reason(st, row, cfg.identifiers) if hub[row] else "",
        }


def top_pairs(state: LinkState, in_s: npt.NDArray[np.bool_], k: int) -> I64:
    """Indices of the pair links inside the affected set worth storing: each post's ``k`` strongest per signal."""
    idx = np.flatnonzero(in_s[state.pair_a])
    if len(idx) == 0:
        return idx
    post = np.concatenate([state.pair_a[idx], state.pair_b[idx]])
    pair = np.concatenate([idx, idx])
    sig = state.pair_signal[pair].astype(np.int64)
    w = state.pair_w[pair]
    order = np.lexsort((pair, -w, post, sig))
    grp = sig[order] * (state.n + 1) + post[order]
    starts = np.flatnonzero(np.concatenate(([True], grp[1:] != grp[:-1])))
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.append(starts, len(order))))
    return unique_sorted(pair[order][rank < k])


def link_rows(state: LinkState, delta: Delta, in_s: npt.NDArray[np.bool_], cfg: LinkConfig) -> Iterator[LinkWrite]:
    st = delta.stats
    ids = state.ids
    etypes = entity_types()
    memb_post, memb_key, memb_type = state.memberships()
    inside = np.flatnonzero(in_s[memb_post])
    rows = st.lookup(memb_key[inside])
    linked = st.links()[rows] if len(rows) else np.zeros(0, dtype=bool)
    weight = st.weight  # a property computed over every entity: once, not per row
    for j, row in zip(inside[linked].tolist(), rows[linked].tolist(), strict=True):
        key = int(memb_key[j])
        yield {
            "post_a": ids[int(memb_post[j])],
            "post_b": None,
            "entity_key": key,
            "signal": etypes[int(memb_type[j])],
            "weight": float(weight[row]),
            "strong": bool(st.strong[row]),
            "evidence": {
                "value": state.values.get(key, ("", ""))[1],
                "posts": int(st.n_posts[row]),
                "groups": int(st.n_groups[row]),
                "bits": round(float(st.bits[row]), 2),
            },
        }
    for p in top_pairs(state, in_s, cfg.cluster.max_pair_links_per_post).tolist():
        a, b = ids[int(state.pair_a[p])], ids[int(state.pair_b[p])]
        signal = PAIR_SIGNALS[int(state.pair_signal[p])]
        ev = float(state.pair_ev[p])
        yield {
            "post_a": min(a, b),
            "post_b": max(a, b),
            "entity_key": None,
            "signal": signal,
            "weight": round(float(state.pair_w[p]), 4),
            "strong": bool(state.pair_strong[p]),
            "evidence": {
                **({"jaccard": round(ev, 4)} if signal == "text" else {"distance": ev}),
                "bits": round(float(state.pair_w[p]) * st.threshold, 2),
            },
        }


# --- network profiles -----------------------------------------------------------------------------------------


def member_facts(
    posts: Iterable[PostRecord], identifiers: Iterable[IdentifierRow], hit_counts: dict[str, int]
) -> dict[str, MemberFacts]:
    """What a network profile needs of each member post: its fields, places and contacts (in text order), hits."""
    out = {p.id: MemberFacts(p.id, p.platform, p.kind, p.posted_at, p.location, p.language, p.risk) for p in posts}
    found: dict[str, list[tuple[int, str, str]]] = {}
    profile_types = linking_types() | {"place"}
    for pid, typ, value, start, _end in identifiers:
        if typ in profile_types:
            found.setdefault(pid, []).append((start, typ, value))
    for pid, rows in found.items():
        for _start, typ, value in sorted(rows, key=lambda r: r[0]):
            if typ == "place":
                out[pid].places.append(value)
            else:
                out[pid].contacts.append((typ, value))
    for pid, n in hit_counts.items():
        out[pid].hits = int(n)
    return out


def post_texts(
    posts: Iterable[PostRecord], identifiers: Iterable[IdentifierRow]
) -> dict[str, tuple[str, list[tuple[int, int, str]]]]:
    """Text and identifier spans of posts (read with text): the template's input."""
    out: dict[str, tuple[str, list[tuple[int, int, str]]]] = {p.id: (post_text(p.title, p.body), []) for p in posts}
    for pid, typ, _value, start, end in identifiers:
        out[pid][1].append((start, end, typ))
    return out


def _signals(state: LinkState, members: dict[str, I64]) -> dict[str, Counter[str]]:
    """Link kinds inside each network: pairs by signal, shared entities by type."""
    label = np.full(state.n, -1, dtype=np.int64)
    names = list(members)
    for i, name in enumerate(names):
        label[members[name]] = i
    out: dict[str, Counter[str]] = {name: Counter() for name in names}
    etypes = entity_types()
    la, lb = label[state.pair_a], label[state.pair_b]
    same = (la >= 0) & (la == lb)
    for lab, sig in zip(la[same].tolist(), state.pair_signal[same].tolist(), strict=True):
        out[names[lab]][PAIR_SIGNALS[sig]] += 1
    memb_post, memb_key, memb_type = state.memberships()
    lm = label[memb_post]
    inside = lm >= 0
    if inside.any():
        first, _, counts = group_rows(lm[inside].astype(np.uint64), memb_key[inside])
        types = dict(zip(memb_key[inside].tolist(), memb_type[inside].tolist(), strict=True))
        code = zip(lm[inside][first].tolist(), memb_key[inside][first].tolist(), strict=True)
        for (lab, key), c in zip(code, counts.tolist(), strict=True):
            if c >= 2:
                out[names[int(lab)]][etypes[types[key]]] += 1
    return out


def _sample(ids: list[str], k: int) -> list[str]:
    if len(ids) <= k:
        return ids
    step = len(ids) / k
    return [ids[int(i * step)] for i in range(k)]


def network_members(state: LinkState, delta: Delta) -> dict[str, list[str]]:
    """The sorted post ids of each network the update changed."""
    return {name: sorted(state.ids[i] for i in idx.tolist()) for name, idx in delta.networks.items()}


def template_samples(members: dict[str, list[str]], cfg: LinkConfig) -> dict[str, list[str]]:
    """The members whose texts make each network's template (spread over the sorted ids)."""
    return {name: _sample(ids, cfg.profile.template_members) for name, ids in members.items()}


def network_rows(
    state: LinkState,
    delta: Delta,
    cfg: LinkConfig,
    members: dict[str, list[str]],
    samples: dict[str, list[str]],
    facts: dict[str, MemberFacts],
    texts: dict[str, tuple[str, list[tuple[int, int, str]]]],
) -> tuple[list[NetworkWrite], list[MemberWrite]]:
    signals = _signals(state, delta.networks)
    net_rows: list[NetworkWrite] = []
    post_rows: list[MemberWrite] = []
    for name, ids in members.items():
        mf = [facts[pid] for pid in ids if pid in facts]
        profile = build_profile(mf, signals[name])
        tmpl = build_template(
            [texts[pid] for pid in samples[name] if pid in texts], min_support=cfg.profile.template_min_support
        )
        profile["template"] = tmpl.as_dict()
        value, reasons = score(profile)
        evidence = delta.evidence.get(name, [])  # which signals link it and how much each weighed (bits)
        profile["evidence"] = evidence
        reasons = [*reasons, *evidence]
        times = [m.posted_at for m in mf if m.posted_at]
        net_rows.append(
            {
                "id": name,
                "size": len(ids),
                "score": value,
                "reasons": reasons,
                "profile": profile,
                "first_posted_at": min(times) if times else None,
                "last_posted_at": max(times) if times else None,
            }
        )
        post_rows.extend({"post_id": pid, "network_id": name} for pid in ids)
    return net_rows, post_rows


def build_update(
    state: LinkState,
    delta: Delta,
    cfg: LinkConfig,
    *,
    full: bool,
    networks: list[NetworkWrite],
    members: list[MemberWrite],
) -> LinkUpdate:
    """The store's changes for an update (every link table on a full build). Entity and link rows are generated as
    the store writes them."""
    in_s = np.zeros(state.n, dtype=bool)
    in_s[delta.affected] = True
    keys: Sequence[int] = unique_sorted(state.memberships()[1]).tolist() if full else delta.changed_keys.tolist()
    return LinkUpdate(
        full=full,
        fingerprint=state.fingerprint,
        post_ids=[state.ids[i] for i in delta.affected.tolist()],
        network_ids=list(delta.networks) + delta.removed_networks,
        entity_keys=[] if full else keys,
        entities=entity_rows(state, delta, keys, cfg),
        links=link_rows(state, delta, in_s, cfg),
        networks=networks,
        members=members,
    )
