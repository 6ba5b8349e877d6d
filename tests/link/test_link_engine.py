from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
from link_helpers import Corpus, small_config

from tipwatch.link.batch import PostInput, prepare_batch
from tipwatch.link.config import LinkConfig
from tipwatch.link.engine import Delta, ExternalPairs, memberships, update
from tipwatch.link.entities import entity_key
from tipwatch.link.state import PAIR_SIGNALS, LinkState


def _run(
    cfg: LinkConfig, *batches: list[PostInput], external: tuple[ExternalPairs, ...] = ()
) -> tuple[LinkState, Delta]:
    state = LinkState.empty(cfg.fingerprint(), cfg.text.num_perm, cfg.text.shingle_bits)
    delta = None
    for i, posts in enumerate(batches):
        delta = update(state, prepare_batch(posts, cfg.text), cfg, external=external if i == len(batches) - 1 else ())
    assert delta is not None
    return state, delta


def _partition(state: LinkState) -> set[frozenset[str]]:
    return {frozenset(v) for v in memberships(state).values()}


def _truth(corpus: Corpus) -> set[frozenset[str]]:
    ops: dict[str, set[str]] = {}
    for pid, op in corpus.truth.items():
        if op:
            ops.setdefault(op, set()).add(pid)
    return {frozenset(v) for v in ops.values()}


def _pairs(state: LinkState) -> set[tuple[str, str, str, float]]:
    ids = state.ids
    return {
        (*sorted((ids[a], ids[b])), PAIR_SIGNALS[s], round(float(w), 6))  # type: ignore[misc]
        for a, b, s, w in zip(state.pair_a, state.pair_b, state.pair_signal, state.pair_w, strict=True)
    }


def test_a_template_reposted_with_new_phone_city_and_price_is_one_network(cfg: LinkConfig) -> None:
    c = Corpus(1)
    c.template_op("tmpl", 12)
    c.benign("b", 60)
    state, _ = _run(cfg, c.posts)
    assert _partition(state) == _truth(c)
    assert set(state.pair_signal.tolist()) == {PAIR_SIGNALS.index("text")}
    assert (state.pair_w >= cfg.text.strong_jaccard).all()  # only masked slots differ


def test_one_phone_in_several_obfuscations_across_platforms_is_one_network(cfg: LinkConfig) -> None:
    c = Corpus(2)
    c.phone_op("ph", 8, platforms=("site-a", "site-b", "site-c"))
    c.benign("b", 40)
    state, delta = _run(cfg, c.posts)
    assert _partition(state) == _truth(c)
    assert len(state.pair_a) == 0  # no text link: the identifier alone did it
    key = entity_key("phone", c.posts[0].identifiers[0][1])
    row = delta.stats.lookup(np.array([key], dtype=np.uint64))[0]
    assert delta.stats.n_platforms[row] == 3 and delta.stats.links()[row]


def test_a_hub_phone_links_nothing() -> None:
    cfg = small_config()
    cfg = dataclasses.replace(cfg, identifiers=dataclasses.replace(cfg.identifiers, max_posts=15))
    c = Corpus(3)
    support = "+919900000000"
    for i in range(16):
        c.add(f"h-{i:02d}", f"{c.noise(20)} helpline {support}", None, ids=(("phone", support, support),))
    state, delta = _run(cfg, c.posts)
    assert _partition(state) == set()
    row = delta.stats.lookup(np.array([entity_key("phone", support)], dtype=np.uint64))[0]
    assert delta.stats.hub[row]
    # One post fewer and the same phone is a real link.
    state, _ = _run(cfg, c.posts[:15])
    assert _partition(state) == {frozenset(p.id for p in c.posts[:15])}


def test_two_operations_sharing_one_generic_phrase_stay_apart(cfg: LinkConfig) -> None:
    c = Corpus(4)
    generic = "genuine pictures no advance payment safe and secure service call now for booking"
    for op, n in (("x", 10), ("y", 10)):
        base = c.noise(18)
        for i in range(n):
            phone = c.phone()
            c.add(f"{op}-{i:02d}", f"{base} {generic} {phone}", op, ids=(("phone", phone, phone),))
    c.benign("b", 40)
    state, _ = _run(cfg, c.posts)
    assert _partition(state) == _truth(c)


def test_boilerplate_shingles_do_not_link() -> None:
    boiler = "this advertisement is posted by a verified member terms and conditions apply read our safety guide"
    c = Corpus(5)
    for i in range(120):
        c.add(f"p-{i:03d}", f"{boiler} {c.noise(12)}", None)
    guarded = small_config(df_min=30, df_fraction=0.0)
    state, _ = _run(guarded, c.posts)
    assert _partition(state) == set()
    # The same corpus without the guard merges everything: the guard is what keeps them apart.
    unguarded = small_config(df_min=10_000)
    state, _ = _run(unguarded, c.posts)
    assert len(_partition(state)) >= 1


def test_exact_image_hash_links(cfg: LinkConfig) -> None:
    c = Corpus(6)
    img = "ab" * 32
    c.add("i-1", c.noise(), "img", images=(img,))
    c.add("i-2", c.noise(), "img", images=(f"sha256:{img.upper()}",), platform="site-b")
    c.add("i-3", c.noise(), None, images=("photo.jpg",))
    c.benign("b", 10)
    state, _ = _run(cfg, c.posts)
    assert _partition(state) == {frozenset({"i-1", "i-2"})}


def test_pdq_pairs_from_another_producer_are_one_more_signal(cfg: LinkConfig) -> None:
    c = Corpus(7)
    c.benign("b", 12)
    ext = ExternalPairs("image_pdq", ["b-0001", "b-0002", "b-0003"], ["b-0002", "b-0005", "b-0004"], [4, 8, 60])
    state, _ = _run(cfg, c.posts, external=(ext,))
    # distance 60 is above the match threshold (31): no link.
    assert _partition(state) == {frozenset({"b-0001", "b-0002", "b-0005"})}
    assert set(state.pair_signal.tolist()) == {PAIR_SIGNALS.index("image_pdq")}


def _mixed(seed: int) -> Corpus:
    c = Corpus(seed)
    c.template_op("t1", 15)
    c.phone_op("p1", 9, platforms=("site-a", "site-b"))
    c.phone_op("p2", 5)
    boiler = "this advertisement is posted by a verified member terms and conditions apply read our safety guide"
    for i in range(40):
        c.add(f"bp-{i:03d}", f"{boiler} {c.noise(12)}", None)
    c.benign("b", 120)
    c.rng.shuffle(c.posts)
    return c


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_incremental_equals_full_recompute(seed: int) -> None:
    # A low boilerplate cap that moves with the corpus size, so shingles cross it between batches.
    cfg = small_config(df_min=12, df_fraction=0.1)
    c = _mixed(seed)
    full, _ = _run(cfg, c.posts)
    cuts = sorted(random.Random(seed).sample(range(1, len(c.posts)), 3))
    parts = [c.posts[i:j] for i, j in zip([0, *cuts], [*cuts, len(c.posts)], strict=True)]
    inc, _ = _run(cfg, *parts)
    assert _partition(inc) == _partition(full)
    assert _pairs(inc) == _pairs(full)
    order = np.argsort(full.ids)
    order_inc = np.argsort(inc.ids)
    assert (full.sigs[order] == inc.sigs[order_inc]).all()
    assert (full.textable[order] == inc.textable[order_inc]).all()


def test_network_ids_survive_growth_and_a_new_batch_only_touches_its_components(cfg: LinkConfig) -> None:
    c = Corpus(8)
    c.phone_op("p1", 6)
    c.template_op("t1", 6)
    c.benign("b", 30)
    first = [p for p in c.posts if not p.id.endswith(("-004", "-005"))]
    later = [p for p in c.posts if p.id.endswith(("-004", "-005"))]
    state, _ = _run(cfg, first)
    before = {name: set(ids) for name, ids in memberships(state).items()}
    delta = update(state, prepare_batch(later, cfg.text), cfg)
    after = {name: set(ids) for name, ids in memberships(state).items()}
    assert before.keys() == after.keys()
    for name in before:
        assert before[name] < after[name]
    assert delta.removed_networks == []
    touched = {state.ids[i] for i in delta.affected.tolist()}
    assert touched == set().union(*after.values())  # benign posts were not reclustered


def test_prior_ids_are_carried_over_by_a_full_rebuild(cfg: LinkConfig) -> None:
    c = Corpus(9)
    c.phone_op("p1", 5)
    c.benign("b", 10)
    state = LinkState.empty(cfg.fingerprint(), cfg.text.num_perm, cfg.text.shingle_bits)
    prior = {p.id: "N-old" for p in c.posts if p.id.startswith("p1")}
    update(state, prepare_batch(c.posts, cfg.text), cfg, prior=prior)
    assert list(memberships(state)) == ["N-old"]


def test_a_text_that_becomes_boilerplate_later_loses_its_links_as_in_a_full_run() -> None:
    cfg = small_config(df_min=12, df_fraction=0.0)
    c = Corpus(14)
    boiler = "this advertisement is posted by a verified member terms and conditions apply read our safety guide"
    for i in range(30):
        c.add(f"bp-{i:03d}", f"{boiler} {c.noise(4)}", None)
    c.template_op("t1", 6)
    c.benign("b", 20)
    early = c.posts[:10]  # ten copies: under the cap, so they link
    state, _ = _run(cfg, early)
    assert _partition(state) == {frozenset(p.id for p in early)}
    delta = update(state, prepare_batch(c.posts[10:], cfg.text), cfg)
    full, _ = _run(cfg, c.posts)
    assert _partition(state) == _partition(full) == _truth(c)
    assert _pairs(state) == _pairs(full)
    assert len(delta.removed_networks) == 1
