"""Networks: link stored posts into networks, read them back, score them against a truth, export them.

``update_networks(store)`` links the posts stored since the last update into the existing networks (a full build
the first time, or when the link state is missing, stale or made with other thresholds), raises the watches' alerts
for the new posts, and writes links, hubs and networks to the store. The link state lives in a ``LinkStateStore`` (by
default a directory beside the database: tipwatch.store.link_state).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from tipwatch.engines.local import default_workers
from tipwatch.link import persist
from tipwatch.link.batch import PARALLEL_MIN_POSTS, Batch, PostInput, concat_batches, prepare_batch, prepare_posts
from tipwatch.link.config import LinkConfig, load_config
from tipwatch.link.engine import Delta
from tipwatch.link.engine import update as link_update
from tipwatch.link.entities import entity_types
from tipwatch.link.exports import ExportGraph, build_graph, check_format, write_graph
from tipwatch.link.producers import chunks, post_inputs
from tipwatch.link.spark import ParquetMismatch as ParquetMismatch  # raised by update_networks
from tipwatch.link.state import LinkState, from_snapshot, to_snapshot
from tipwatch.link.watch import Hit, Matcher
from tipwatch.store.facade import Store
from tipwatch.store.interface.links import LinkStateStore, MemberOrder, StoredEntity, StoredLink, StoredNetwork
from tipwatch.store.link_state import DirectoryLinkState, default_state_dir

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


@dataclass(slots=True)
class NetworkRecord:
    network_id: str
    post_ids: list[str]
    score: float
    reasons: list[str]
    size: int
    profile: dict[str, Any]


STATE_BACKENDS = ("directory", "store")


def state_store(store: Store, state_dir: Path | None = None, backend: str = "directory") -> LinkStateStore:
    """Where the link state of ``store`` is kept: a directory (``state_dir``, else ``default_state_dir``) or, with
    ``backend="store"``, the database itself (for machines that share the database but no directory)."""
    if backend == "store":
        return store.link_state
    if backend != "directory":
        raise ValueError(f"unknown link state backend {backend!r}: use one of {', '.join(STATE_BACKENDS)}")
    return DirectoryLinkState(state_dir or default_state_dir(store.url))


@dataclass(frozen=True, slots=True)
class LinkEngine:
    """Where linking runs: ``local`` (this machine: worker processes and threads) or ``spark`` (a Spark cluster, or
    ``local[N]``; ``master`` as for analyze). With ``parquet``, the Spark engine reads the posts from the Parquet that
    ``analyze --engine spark --parquet`` wrote instead of from the store. Both store the same links and networks."""

    name: str = "local"
    master: str | None = None
    parquet: str | None = None


ENGINES = ("local", "spark")


def _store_inputs(
    store: Store, ids: list[str], cfg: LinkConfig, progress: Progress | None, matcher: Matcher | None, hits: list[Hit]
) -> Iterator[PostInput]:
    """The posts ``ids`` as the linker's input, read chunk by chunk (watch hits collected on the way)."""
    posts = store.posts
    done = 0
    for part in chunks(ids):
        chunk = post_inputs(
            posts.posts(part, text=True, images=True),
            posts.identifiers(part),
            posts.image_hashes(part),
            min_quality=cfg.images.pdq_min_quality,
        )
        if matcher is not None:
            hits.extend(matcher.match_posts(chunk))
        done += len(chunk)
        if progress:
            progress("read", done, len(ids))
        yield from chunk


def _read_batch(
    store: Store, ids: list[str], cfg: LinkConfig, progress: Progress | None, matcher: Matcher | None
) -> tuple[Batch, list[Hit]]:
    hits: list[Hit] = []
    # Tokenized in worker processes for a large corpus.
    workers = default_workers() if len(ids) >= PARALLEL_MIN_POSTS else 1
    parts = list(prepare_posts(_store_inputs(store, ids, cfg, progress, matcher, hits), cfg.text, workers=workers))
    if not parts:
        return prepare_batch([], cfg.text), hits
    return concat_batches(parts), hits


def _read_batch_spark(
    spark: Any,
    engine: LinkEngine,
    store: Store,
    ids: list[str],
    cfg: LinkConfig,
    progress: Progress | None,
    matcher: Matcher | None,
) -> tuple[Batch, list[Hit]]:
    """As ``_read_batch``, with posts prepared by Spark tasks (from the store, or from Parquet parts)."""
    from tipwatch.link.spark import prepare_on_spark, prepare_parquet

    hits: list[Hit] = []
    sc = spark.sparkContext
    if engine.parquet is None:
        parts = list(prepare_on_spark(sc, _store_inputs(store, ids, cfg, progress, matcher, hits), cfg.text))
        return (concat_batches(parts) if parts else prepare_batch([], cfg.text)), hits
    if matcher is not None and (matcher.by_value or matcher.keywords or matcher.pdq_ids):
        # Watches match the stored posts themselves (few watches, read once; the Parquet serves the linking).
        for _ in _store_inputs(store, ids, cfg, None, matcher, hits):
            pass
    # The posts in the order the store path reads them (chunk by chunk, as the store returns each chunk): the order
    # decides which of identical signatures represents them, so it must be the same for equal links.
    order = [p.id for part in chunks(ids) for p in store.posts.posts(part)]
    batch = prepare_parquet(sc, engine.parquet, order, cfg.text, cfg.images.pdq_min_quality)
    if progress:
        progress("read", len(ids), len(ids))
    return batch, hits


def _write(store: Store, state: LinkState, delta: Delta, cfg: LinkConfig, *, full: bool) -> str:
    """Store the update's changes (all link tables on a full build); returns the new state token."""
    members = persist.network_members(state, delta)
    samples = persist.template_samples(members, cfg)
    posts = store.posts
    member_ids = [pid for ids in members.values() for pid in ids]
    facts = persist.member_facts(posts.posts(member_ids), posts.identifiers(member_ids), posts.hit_counts(member_ids))
    sample_ids = [pid for ids in samples.values() for pid in ids]
    texts = persist.post_texts(posts.posts(sample_ids, text=True), posts.identifiers(sample_ids))
    net_rows, member_rows = persist.network_rows(state, delta, cfg, members, samples, facts, texts)
    return store.links.write(persist.build_update(state, delta, cfg, full=full, networks=net_rows, members=member_rows))


def update_networks(
    store: Store,
    *,
    state: LinkStateStore | None = None,
    state_dir: Path | None = None,
    config: LinkConfig | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
    engine: LinkEngine | None = None,
) -> LinkSummary:
    """Bring links and networks up to date with the posts in the store; returns what changed.

    The link state is ``state``, else a directory: ``state_dir`` or the default beside the database. ``engine``:
    where the linking runs (default: here); the stored result does not depend on it.
    """
    engine = engine or LinkEngine()
    if engine.name not in ENGINES:
        raise ValueError(f"unknown link engine {engine.name!r}: use one of {', '.join(ENGINES)}")
    if engine.name == "local":
        return _update(store, state, state_dir, config, rebuild, progress, None, engine)
    from tipwatch.engines.spark import start_session

    spark, started = start_session(engine.master, "tipwatch networks")
    try:
        return _update(store, state, state_dir, config, rebuild, progress, spark, engine)
    finally:
        if started:
            spark.stop()


def _update(
    store: Store,
    state: LinkStateStore | None,
    state_dir: Path | None,
    config: LinkConfig | None,
    rebuild: bool,
    progress: Progress | None,
    spark: Any,
    engine: LinkEngine,
) -> LinkSummary:
    t0 = time.perf_counter()
    cfg = config or load_config()
    kept = state or state_store(store, state_dir)
    with kept.lock():
        token = store.links.token()
        db_ids = store.posts.all_ids()
        snap = None if rebuild else kept.load()
        st = None if snap is None else from_snapshot(snap)
        full = (
            st is None
            or st.fingerprint != cfg.fingerprint(entity_types())
            or st.generation != token
            or st.num_perm != cfg.text.num_perm
            or st.shingle_bits != cfg.text.shingle_bits
        )
        if st is not None and not full:
            known = set(db_ids)
            full = any(pid not in known for pid in st.ids)  # posts were deleted (retention): rebuild
        prior: dict[str, str] = {}
        if full or st is None:
            prior = store.links.membership()
            st = LinkState.empty(cfg.fingerprint(entity_types()), cfg.text.num_perm, cfg.text.shingle_bits)
            new_ids = db_ids
        else:
            seen = set(st.ids)
            new_ids = [pid for pid in db_ids if pid not in seen]
        timings: dict[str, float] = {"load": time.perf_counter() - t0}
        if not new_ids and not full:
            return LinkSummary(st.n, 0, len(st.net_names), 0, 0, False, time.perf_counter() - t0, timings)
        # Watches raise alerts for posts new to the store; a rebuild of posts already linked raises none.
        first_run = token is None
        matcher = Matcher.build(store.watches.active()) if not full or first_run else None
        if spark is None:
            batch, hits = _read_batch(store, new_ids, cfg, progress, matcher)
            kernels = None
        else:
            from tipwatch.link.spark import SparkKernels

            batch, hits = _read_batch_spark(spark, engine, store, new_ids, cfg, progress, matcher)
            kernels = SparkKernels(spark, default_workers())
        timings["read_prepare"] = time.perf_counter() - t0 - sum(timings.values())
        delta = link_update(st, batch, cfg, prior=prior, kernels=kernels)
        timings.update({f"update_{k}": v for k, v in delta.timings.items()})
        if matcher is not None and matcher.networks:
            new = set(new_ids)
            joined = {st.ids[i]: name for name, idx in delta.networks.items() for i in idx.tolist()}
            hits.extend(matcher.match_networks({p: n for p, n in joined.items() if p in new}))
        # Alerts first, in their own transaction: if writing the links fails, the state is not saved, the next
        # update sees the same new posts again, and alerts already raised are not raised twice.
        alerts_raised = store.watches.raise_alerts(hits)
        st.generation = _write(store, st, delta, cfg, full=full)
        timings["store"] = time.perf_counter() - t0 - sum(timings.values())
        kept.save(to_snapshot(st))
        timings["save_state"] = time.perf_counter() - t0 - sum(timings.values())
        return LinkSummary(
            st.n,
            len(new_ids),
            len(st.net_names),
            len(delta.networks),
            len(delta.removed_networks),
            full,
            time.perf_counter() - t0,
            timings,
            alerts_raised,
        )


def iter_networks(store: Store, *, with_profile: bool = False) -> Iterator[NetworkRecord]:
    """Stored networks, highest score first (ties by id), each with its sorted post ids."""
    nets = store.links.networks(with_profile=with_profile)
    members: dict[str, list[str]] = {}
    for pid, nid in store.links.membership().items():
        members.setdefault(nid, []).append(pid)
    for net in nets:
        yield NetworkRecord(net.id, sorted(members.get(net.id, [])), net.score, net.reasons, net.size, net.profile)


def evaluate_networks(
    store: Store, truth: dict[str, str | None], benign: dict[str, bool] | None = None
) -> dict[str, Any]:
    """The stored networks scored against ``truth`` (see tipwatch.link.evaluate). Truth files name posts by the
    input's own id; store keys carry a namespace (sources.convert.post_key), so keys are mapped back."""
    # Imported here: scikit-learn takes a second to import, and linking does not need it.
    from tipwatch.link.evaluate import evaluate
    from tipwatch.sources.convert import source_id_of

    predicted = {(pid if pid in truth else source_id_of(pid)): nid for pid, nid in store.links.membership().items()}
    return evaluate(truth, predicted, benign)


def load_graph(store: Store, *, network_ids: Sequence[str] | None = None, min_score: float = 0.0) -> ExportGraph:
    """The networks (all, or ``network_ids``; score >= ``min_score``) with their posts, entities and links."""
    nets = store.links.networks(ids=network_ids, min_score=min_score)
    member = store.links.membership([n.id for n in nets])
    pids = sorted(member)
    links = list(store.links.links_from(pids))
    keys = sorted({link.entity_key for link in links if link.entity_key is not None})
    return build_graph(nets, member, store.posts.posts(pids), links, store.links.entities(keys))


# A network view is bounded whatever the network's size: members and links come a page at a time, and the graph
# draws the riskiest posts with the links among them (the largest networks of a 1M-post store hold over a thousand
# posts and ten thousand links: all of them took 0.5-1.5 s to read and send, and no one reads such a graph).
GRAPH_POSTS = 100
GRAPH_POSTS_MAX = 2000
EDGES_PER_POST = 8  # the graph's edges are cut at this many per post drawn, strongest first
T = TypeVar("T")


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None


@dataclass(slots=True)
class BoundedGraph:
    """A network's graph drawn over its ``posts_shown`` riskiest posts of ``posts_total``, with the shared entities
    those posts link to and at most ``edge_limit`` links among them (``edges_cut`` when more were left out)."""

    graph: ExportGraph
    posts_shown: int
    posts_total: int
    edges_cut: bool

    @property
    def truncated(self) -> bool:
        return self.edges_cut or self.posts_shown < self.posts_total

    @property
    def note(self) -> str:
        """What the graph shows, in words for the analyst."""
        if self.posts_shown == self.posts_total:
            note = f"showing all {self.posts_total:,} posts"
        else:
            note = f"showing {self.posts_shown:,} of {self.posts_total:,} posts (highest risk first)"
        return note + (", strongest links only" if self.edges_cut else "")


def member_page(
    store: Store, network: StoredNetwork, *, order: MemberOrder = "id", offset: int = 0, limit: int = 100
) -> Page[str]:
    """A page of a network's member post ids, with the total."""
    ids = store.links.member_ids(network.id, order=order, offset=offset, limit=limit)
    return Page(ids, store.links.count_members(network.id), offset, limit)


def link_page(
    store: Store, network: StoredNetwork, *, offset: int = 0, limit: int = 100
) -> tuple[Page[StoredLink], dict[int, StoredEntity]]:
    """A page of the links inside a network, strongest first, with the total and the entities they point at."""
    found, total = store.links.network_links(network.id, offset=offset, limit=limit)
    keys = sorted({link.entity_key for link in found if link.entity_key is not None})
    entities = {e.key: e for e in store.links.entities(keys)}
    return Page(found, total, offset, limit), entities


def bounded_graph(
    store: Store, network: StoredNetwork, *, posts: int = GRAPH_POSTS, total: int | None = None
) -> BoundedGraph:
    """The graph of ``network`` over its ``posts`` riskiest posts (see ``BoundedGraph``); every cut is made in the
    database. ``total``: the network's member count when the caller has it already."""
    posts = max(0, min(posts, GRAPH_POSTS_MAX))
    records = store.links.member_posts(network.id, order="risk", limit=posts)
    ids = [p.id for p in records]
    edge_limit = max(1, posts * EDGES_PER_POST)
    found = store.links.links_among(ids, limit=edge_limit + 1)
    cut = len(found) > edge_limit
    found = found[:edge_limit]
    keys = sorted({link.entity_key for link in found if link.entity_key is not None})
    member = dict.fromkeys(ids, network.id)
    graph = build_graph([network], member, records, found, store.links.entities(keys))
    if total is None:
        total = len(ids) if len(ids) < posts else store.links.count_members(network.id)
    return BoundedGraph(graph, len(ids), total, cut)


def export(
    store: Store,
    fmt: str,
    out: Path,
    *,
    network_ids: Sequence[str] | None = None,
    min_score: float = 0.0,
    created: datetime | None = None,
) -> ExportGraph:
    """Write networks in ``fmt`` (one of tipwatch.link.exports.FORMATS) to ``out`` (a directory for csv)."""
    check_format(fmt)
    g = load_graph(store, network_ids=network_ids, min_score=min_score)
    write_graph(g, fmt, out, created=created)
    return g
