"""Entry points of the link stage for commands and the pipeline: update networks, read them back.

``update_networks(engine)`` links the posts stored since the last update into the existing networks (a full build
the first time, or when the link state is missing, stale or made with other thresholds) and writes links, hubs and
networks to the store. The link state lives in a directory beside the database (see ``default_state_dir``).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from tipwatch.link.batch import Batch, concat_batches, prepare_batch
from tipwatch.link.config import LinkConfig, load_config
from tipwatch.link.engine import update
from tipwatch.link.persist import prior_networks, read_token, write_delta
from tipwatch.link.producers import read_post_inputs
from tipwatch.link.state import LinkState, load_state, save_state
from tipwatch.link.textsig import TokenHasher
from tipwatch.link.watch import Hit, Matcher, active_watches, store_hits
from tipwatch.store.link_tables import network_posts, networks
from tipwatch.store.tables import posts

ENV_STATE = "TIPWATCH_LINK_STATE"
Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class LinkSummary:
    posts: int
    new_posts: int
    networks: int
    networks_changed: int
    networks_removed: int
    full: bool
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    alerts: int = 0


def default_state_dir(url: str) -> Path:
    """Where the link state of database ``url`` lives: beside a SQLite file, else under ./tipwatch-data/."""
    env = os.environ.get(ENV_STATE)
    if env:
        return Path(env)
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        db = Path(url.removeprefix("sqlite:///"))
        return db.with_name(db.name + ".link")
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return Path("tipwatch-data") / f"link-state-{digest}"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One update at a time per link state (a second one waits)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read_batch(
    engine: Engine, ids: list[str], cfg: LinkConfig, progress: Progress | None, matcher: Matcher | None
) -> tuple[Batch, list[Hit]]:
    hasher = TokenHasher()
    parts: list[Batch] = []
    hits: list[Hit] = []
    done = 0
    for chunk in read_post_inputs(engine, ids, min_quality=cfg.images.pdq_min_quality):
        parts.append(prepare_batch(chunk, cfg.text, hasher))
        if matcher is not None:
            hits.extend(matcher.match_posts(chunk))
        done += len(chunk)
        if progress:
            progress("read", done, len(ids))
    if not parts:
        return prepare_batch([], cfg.text), hits
    return concat_batches(parts), hits


def update_networks(
    engine: Engine,
    *,
    state_dir: Path | None = None,
    config: LinkConfig | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> LinkSummary:
    """Bring links and networks up to date with the posts in the store; returns what changed."""
    t0 = time.perf_counter()
    cfg = config or load_config()
    path = state_dir or default_state_dir(engine.url.render_as_string(hide_password=False))
    with _locked(path):
        with engine.connect() as conn:
            token = read_token(conn)
            db_ids: list[str] = list(conn.execute(select(posts.c.id)).scalars())
        state = None if rebuild else load_state(path)
        full = (
            state is None
            or state.fingerprint != cfg.fingerprint()
            or state.generation != token
            or state.num_perm != cfg.text.num_perm
            or state.shingle_bits != cfg.text.shingle_bits
        )
        if state is not None and not full:
            known = set(db_ids)
            full = any(pid not in known for pid in state.ids)  # posts were deleted (retention): rebuild
        prior: dict[str, str] = {}
        if full or state is None:
            with engine.connect() as conn:
                prior = prior_networks(conn)
            state = LinkState.empty(cfg.fingerprint(), cfg.text.num_perm, cfg.text.shingle_bits)
            new_ids = db_ids
        else:
            seen = set(state.ids)
            new_ids = [pid for pid in db_ids if pid not in seen]
        timings: dict[str, float] = {"load": time.perf_counter() - t0}
        if not new_ids and not full:
            return LinkSummary(state.n, 0, len(state.net_names), 0, 0, False, time.perf_counter() - t0, timings)
        # Watches raise alerts for posts new to the store; a rebuild of posts already linked raises none.
        first_run = token is None
        matcher = None
        if not full or first_run:
            with engine.connect() as conn:
                matcher = Matcher.build(active_watches(conn))
        batch, hits = _read_batch(engine, new_ids, cfg, progress, matcher)
        timings["read_prepare"] = time.perf_counter() - t0 - sum(timings.values())
        delta = update(state, batch, cfg, prior=prior)
        timings.update({f"update_{k}": v for k, v in delta.timings.items()})
        if matcher is not None and matcher.networks:
            new = set(new_ids)
            joined = {state.ids[i]: name for name, idx in delta.networks.items() for i in idx.tolist()}
            hits.extend(matcher.match_networks({p: n for p, n in joined.items() if p in new}))
        with engine.begin() as conn:
            state.generation = write_delta(conn, state, delta, cfg, full=full)
            alerts_raised = store_hits(conn, hits)
        timings["store"] = time.perf_counter() - t0 - sum(timings.values())
        save_state(state, path)
        timings["save_state"] = time.perf_counter() - t0 - sum(timings.values())
        return LinkSummary(
            state.n,
            len(new_ids),
            len(state.net_names),
            len(delta.networks),
            len(delta.removed_networks),
            full,
            time.perf_counter() - t0,
            timings,
            alerts_raised,
        )


@dataclass(slots=True)
class NetworkRecord:
    network_id: str
    post_ids: list[str]
    score: float
    reasons: list[str]
    size: int
    profile: dict[str, Any]


def iter_networks(engine: Engine, *, with_profile: bool = False) -> Iterator[NetworkRecord]:
    """Stored networks, highest score first (ties by id), each with its sorted post ids."""
    with engine.connect() as conn:
        cols = [networks.c.id, networks.c.score, networks.c.reasons, networks.c.size]
        if with_profile:
            cols.append(networks.c.profile)
        rows = conn.execute(select(*cols).order_by(networks.c.score.desc(), networks.c.id)).all()
        members: dict[str, list[str]] = {}
        for pid, nid in conn.execute(select(network_posts.c.post_id, network_posts.c.network_id)):
            members.setdefault(nid, []).append(pid)
    for row in rows:
        yield NetworkRecord(
            row[0],
            sorted(members.get(row[0], [])),
            float(row[1]),
            list(row[2] or []),
            int(row[3]),
            dict(row[4]) if with_profile and row[4] else {},
        )
