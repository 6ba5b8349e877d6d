"""Write what an update changed to the store: entities and hubs, links with evidence, networks with profiles.

Only the posts the update reclustered are rewritten (all of them on a full build), in one transaction, so a reader
sees the networks before or after an update, never half of one.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, delete, func, insert, select

from tipwatch.link.config import LinkConfig
from tipwatch.link.engine import Delta
from tipwatch.link.entities import ENTITY_TYPES, hub_reason
from tipwatch.link.producers import chunks
from tipwatch.link.profile import CONTACT_TYPES, MemberFacts, build_profile
from tipwatch.link.rank import score
from tipwatch.link.state import PAIR_SIGNALS, LinkState
from tipwatch.link.template import build_template
from tipwatch.model import post_text
from tipwatch.store.link_tables import link_entities, link_meta, links, network_posts, networks
from tipwatch.store.tables import identifiers, indicator_hits, posts

I64 = npt.NDArray[np.int64]
INSERT_BATCH = 5000
_PROFILE_TYPES = frozenset(("place", *CONTACT_TYPES))
TOKEN_KEY = "state_token"


def signed(key: int) -> int:
    """A 64-bit unsigned entity key as the signed BIGINT the store holds."""
    return key - (1 << 64) if key >= 1 << 63 else key


def unsigned(key: int) -> int:
    return key + (1 << 64) if key < 0 else key


def _insert(conn: Connection, table: Any, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    buf: list[dict[str, Any]] = []
    for row in rows:
        buf.append(row)
        if len(buf) >= INSERT_BATCH:
            conn.execute(insert(table), buf)
            n += len(buf)
            buf = []
    if buf:
        conn.execute(insert(table), buf)
        n += len(buf)
    return n


def _delete_in(conn: Connection, column: Any, values: Sequence[Any]) -> None:
    for part in chunks(values):
        conn.execute(delete(column.table).where(column.in_(part)))


def read_token(conn: Connection) -> str | None:
    return conn.execute(select(link_meta.c.value).where(link_meta.c.key == TOKEN_KEY)).scalar_one_or_none()


def _set_meta(conn: Connection, values: dict[str, str]) -> None:
    _delete_in(conn, link_meta.c.key, list(values))
    conn.execute(insert(link_meta), [{"key": k, "value": v} for k, v in values.items()])


def prior_networks(conn: Connection) -> dict[str, str]:
    """post id -> network id as stored (a full rebuild carries these ids over)."""
    return {pid: nid for pid, nid in conn.execute(select(network_posts.c.post_id, network_posts.c.network_id))}


# --- entities and links ---------------------------------------------------------------------------------------


def _entity_rows(state: LinkState, delta: Delta, keys: Iterable[int], cfg: LinkConfig) -> Iterator[dict[str, Any]]:
    st = delta.stats
    wanted = np.asarray(list(keys), dtype=np.uint64)
    rows = np.minimum(st.lookup(wanted), max(len(st.keys) - 1, 0))
    # Keys gone (a picture cluster merged into another) or held by one post have no row.
    ok = (st.keys[rows] == wanted) & (st.n_posts[rows] >= 2) if len(st.keys) else np.zeros(len(wanted), bool)
    for key, row in zip(wanted[ok].tolist(), rows[ok].tolist(), strict=True):
        if key not in state.values:
            continue
        etype, value = state.values[key]
        yield {
            "key": signed(key),
            "type": etype,
            "value": value[:512],
            "n_posts": int(st.n_posts[row]),
            "n_platforms": int(st.n_platforms[row]),
            "n_kinds": int(st.n_kinds[row]),
            "weight": float(st.weight[row]),
            "strong": bool(st.strong[row]),
            "hub": bool(st.hub[row]),
            "hub_reason": hub_reason(st, row, cfg.identifiers) if st.hub[row] else "",
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
    return np.unique(pair[order][rank < k])


def _link_rows(
    state: LinkState, delta: Delta, in_s: npt.NDArray[np.bool_], cfg: LinkConfig
) -> Iterator[dict[str, Any]]:
    st = delta.stats
    ids = state.ids
    memb_post, memb_key, memb_type = state.memberships()
    inside = np.flatnonzero(in_s[memb_post])
    rows = st.lookup(memb_key[inside])
    linked = st.links()[rows] if len(rows) else np.zeros(0, dtype=bool)
    for j, row in zip(inside[linked].tolist(), rows[linked].tolist(), strict=True):
        key = int(memb_key[j])
        yield {
            "post_a": ids[int(memb_post[j])],
            "post_b": None,
            "entity_key": signed(key),
            "signal": ENTITY_TYPES[int(memb_type[j])],
            "weight": float(st.weight[row]),
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


def member_facts(conn: Connection, ids: Sequence[str]) -> dict[str, MemberFacts]:
    p, ident, hits = posts, identifiers, indicator_hits
    out: dict[str, MemberFacts] = {}
    for part in chunks(ids):
        for pid, platform, kind, posted_at, location, language, risk in conn.execute(
            select(p.c.id, p.c.platform, p.c.kind, p.c.posted_at, p.c.location, p.c.language, p.c.risk).where(
                p.c.id.in_(part)
            )
        ):
            out[pid] = MemberFacts(pid, platform, kind, posted_at, location, language, float(risk or 0.0))
        # Filter types here, not in SQL: with a type condition SQLite picks the (type, value) index and scans every
        # identifier of those types for each chunk (quadratic); by post id alone it uses the post_id index.
        rows = conn.execute(
            select(ident.c.post_id, ident.c.type, ident.c.value, ident.c.start).where(ident.c.post_id.in_(part))
        ).all()
        for pid, typ, value, _start in sorted(rows, key=lambda r: (r[0], r[3])):
            if typ not in _PROFILE_TYPES:
                continue
            if typ == "place":
                out[pid].places.append(value)
            else:
                out[pid].contacts.append((typ, value))
        for pid, n in conn.execute(
            select(hits.c.post_id, func.count()).where(hits.c.post_id.in_(part)).group_by(hits.c.post_id)
        ):
            out[pid].hits = int(n)
    return out


def _texts(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[str, list[tuple[int, int, str]]]]:
    out: dict[str, tuple[str, list[tuple[int, int, str]]]] = {}
    for part in chunks(ids):
        for pid, title, body in conn.execute(
            select(posts.c.id, posts.c.title, posts.c.body).where(posts.c.id.in_(part))
        ):
            out[pid] = (post_text(title or "", body or ""), [])
        for pid, typ, start, end in conn.execute(
            select(identifiers.c.post_id, identifiers.c.type, identifiers.c.start, identifiers.c.end).where(
                identifiers.c.post_id.in_(part)
            )
        ):
            out[pid][1].append((start, end, typ))
    return out


def _signals(state: LinkState, members: dict[str, I64]) -> dict[str, Counter[str]]:
    """Link kinds inside each network: pairs by signal, shared entities by type."""
    label = np.full(state.n, -1, dtype=np.int64)
    names = list(members)
    for i, name in enumerate(names):
        label[members[name]] = i
    out: dict[str, Counter[str]] = {name: Counter() for name in names}
    la, lb = label[state.pair_a], label[state.pair_b]
    same = (la >= 0) & (la == lb)
    for lab, sig in zip(la[same].tolist(), state.pair_signal[same].tolist(), strict=True):
        out[names[lab]][PAIR_SIGNALS[sig]] += 1
    memb_post, memb_key, memb_type = state.memberships()
    lm = label[memb_post]
    inside = lm >= 0
    if inside.any():
        code, counts = np.unique(
            np.stack([lm[inside].astype(np.uint64), memb_key[inside]], axis=1), axis=0, return_counts=True
        )
        types = dict(zip(memb_key[inside].tolist(), memb_type[inside].tolist(), strict=True))
        for (lab, key), c in zip(code.tolist(), counts.tolist(), strict=True):
            if c >= 2:
                out[names[int(lab)]][ENTITY_TYPES[types[key]]] += 1
    return out


def _sample(ids: list[str], k: int) -> list[str]:
    if len(ids) <= k:
        return ids
    step = len(ids) / k
    return [ids[int(i * step)] for i in range(k)]


def _network_rows(
    conn: Connection, state: LinkState, delta: Delta, cfg: LinkConfig, created: dict[str, datetime], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    members = {name: sorted(state.ids[i] for i in idx.tolist()) for name, idx in delta.networks.items()}
    signals = _signals(state, delta.networks)
    facts = member_facts(conn, [pid for ids in members.values() for pid in ids])
    samples = {name: _sample(ids, cfg.profile.template_members) for name, ids in members.items()}
    texts = _texts(conn, [pid for ids in samples.values() for pid in ids])
    net_rows: list[dict[str, Any]] = []
    post_rows: list[dict[str, Any]] = []
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
                "created_at": created.get(name, now),
                "updated_at": now,
            }
        )
        post_rows.extend({"post_id": pid, "network_id": name} for pid in ids)
    return net_rows, post_rows


def write_delta(conn: Connection, state: LinkState, delta: Delta, cfg: LinkConfig, *, full: bool) -> str:
    """Store the update's changes (all link tables on a full build); returns the new state token."""
    now = datetime.now(UTC)
    in_s = np.zeros(state.n, dtype=bool)
    in_s[delta.affected] = True
    s_ids = [state.ids[i] for i in delta.affected.tolist()]
    changed = list(delta.networks) + delta.removed_networks
    created: dict[str, datetime] = {}
    if full:
        created.update({nid: ts for nid, ts in conn.execute(select(networks.c.id, networks.c.created_at))})
        for table in (network_posts, networks, links, link_entities):
            conn.execute(delete(table))
        keys: Iterable[int] = np.unique(state.memberships()[1]).tolist()
    else:
        for part in chunks(changed):
            stmt = select(networks.c.id, networks.c.created_at).where(networks.c.id.in_(part))
            created.update({nid: ts for nid, ts in conn.execute(stmt)})
        _delete_in(conn, network_posts.c.post_id, s_ids)
        _delete_in(conn, networks.c.id, changed)
        _delete_in(conn, links.c.post_a, s_ids)
        _delete_in(conn, links.c.post_b, s_ids)
        keys = delta.changed_keys.tolist()
        _delete_in(conn, link_entities.c.key, [signed(k) for k in keys])
    _insert(conn, link_entities, _entity_rows(state, delta, keys, cfg))
    _insert(conn, links, _link_rows(state, delta, in_s, cfg))
    net_rows, post_rows = _network_rows(conn, state, delta, cfg, created, now)
    _insert(conn, networks, net_rows)
    _insert(conn, network_posts, post_rows)
    token = uuid.uuid4().hex
    _set_meta(conn, {TOKEN_KEY: token, "fingerprint": state.fingerprint, "updated_at": now.isoformat()})
    return token
