from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
from link_helpers import Corpus, small_config

from tipwatch.link.batch import PostInput, concat_batches, prepare_batch, prepare_posts
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
    c.template_op("tmpl", 12)  # three rotated phones, never two in one ad
    c.benign("b", 400)
    state, delta = _run(cfg, c.posts)
    assert _partition(state) == _truth(c)
    text = state.pair_signal == PAIR_SIGNALS.index("text")
    assert (state.pair_ev[text] >= 0.9).all()  # only masked slots differ
    assert state.pair_strong[text].all()  # a specific template reposted verbatim is enough alone
    assert delta.stats.strong[delta.stats.n_posts >= 2].all()  # each phone links its own ads


def test_a_template_reposted_with_a_fresh_phone_in_every_ad_looks_like_a_shared_form(cfg: LinkConfig) -> None:
    # Twelve known posters each posting the words once: the same ad form used by unrelated people, or an
    # operator burning a phone per ad. Text alone cannot tell; without another signal they stay apart.
    c = Corpus(1)
    c.template_op("tmpl", 12, phones=12)
    c.benign("b", 400)
    state, _ = _run(cfg, c.posts)
    assert _partition(state) == set()


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


def test_a_footer_support_line_links_nothing(cfg: LinkConfig) -> None:
    c = Corpus(3)
    support = "+919900000000"
    for i in range(16):  # sixteen advertisers, two ads each with their own number, the site's line in the footer
        own = c.phone()
        for k in range(2):
            text = f"{c.noise(20)} call {own}\nSite helpline {support}"
            c.add(f"h-{i:02d}-{k}", text, f"adv{i}", ids=(("phone", own, own), ("phone", support, support)))
    c.benign("b", 100)
    state, delta = _run(cfg, c.posts)
    assert _partition(state) == _truth(c)  # each advertiser alone, never all of them together
    row = delta.stats.lookup(np.array([entity_key("phone", support)], dtype=np.uint64))[0]
    assert delta.stats.hub[row] and delta.stats.footer_share[row] == 1.0


def test_two_operations_sharing_one_generic_phrase_stay_apart(cfg: LinkConfig) -> None:
    c = Corpus(4)
    generic = "genuine pictures no advance payment safe and secure service call now for booking"
    for op, n in (("x", 10), ("y", 10)):
        base = c.noise(18)
        phones = [c.phone(), c.phone()]  # each operation rotates two phones
        for i in range(n):
            phone = phones[i % 2]
            c.add(f"{op}-{i:02d}", f"{base} {generic} {phone}", op, ids=(("phone", phone, phone),))
    c.benign("b", 400)
    state, _ = _run(cfg, c.posts)
    assert _partition(state) == _truth(c)


def test_boilerplate_shingles_do_not_link() -> None:
    c = Corpus(5)
    c.boilerplate("p", 120)
    c.benign("b", 200)
    state, _ = _run(small_config(), c.posts)
    # 120 otherwise unrelated posters share the paragraph: its shingles are not specific, nothing links.
    assert _partition(state) == set()
    assert not np.isin(np.unique(state.sh_ids[: state.sh_indptr[120]]), state.specific).all()


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
    c.boilerplate("bp", 40)
    c.benign("b", 120)
    c.rng.shuffle(c.posts)
    return c


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_incremental_equals_full_recompute(seed: int) -> None:
    # Specificity moves with the corpus (poster groups), so shingles change status between batches.
    cfg = small_config()
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


def _cands(state: LinkState) -> set[tuple[str, str, float]]:
    ids = state.ids
    return {
        (*sorted((ids[a], ids[b])), float(j))  # type: ignore[misc]
        for a, b, j in zip(state.cand_a.tolist(), state.cand_b.tolist(), state.cand_j.tolist(), strict=True)
    }


@pytest.mark.parametrize(("seed", "max_bucket"), [(21, 2), (22, 3), (23, 5), (24, None)])
def test_kept_text_candidates_equal_a_full_search_when_buckets_cross_the_bound(
    seed: int, max_bucket: int | None
) -> None:
    # An update keeps the text candidates of unchanged representatives and searches LSH only for the others; with
    # a tiny bucket bound, buckets grow over it (and candidates must go) or shrink under it between batches.
    cfg = small_config(max_bucket=max_bucket)
    c = _mixed(seed)
    c.variant_op("v1", 30)
    c.variant_op("v2", 20, swaps=2)
    c.rng.shuffle(c.posts)
    full, _ = _run(cfg, c.posts)
    cuts = sorted(random.Random(seed).sample(range(1, len(c.posts)), 7))
    parts = [c.posts[i:j] for i, j in zip([0, *cuts], [*cuts, len(c.posts)], strict=True)]
    inc, _ = _run(cfg, *parts)
    assert _cands(inc) == _cands(full)
    assert _pairs(inc) == _pairs(full)
    assert _partition(inc) == _partition(full)
    # Same arrival order: the same arrays, in the same order.
    one_by_one, _ = _run(cfg, *[c.posts[: len(c.posts) // 2], c.posts[len(c.posts) // 2 :]])
    assert (one_by_one.cand_a == full.cand_a).all() and (one_by_one.cand_b == full.cand_b).all()
    assert (one_by_one.big_key == full.big_key).all()


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


def test_prior_ids_are_carried_over_by_a_full_rebuild(cfg: LinkConfig) -> None:
    c = Corpus(9)
    c.phone_op("p1", 5)
    c.benign("b", 10)
    state = LinkState.empty(cfg.fingerprint(), cfg.text.num_perm, cfg.text.shingle_bits)
    prior = {p.id: "N-old" for p in c.posts if p.id.startswith("p1")}
    update(state, prepare_batch(c.posts, cfg.text), cfg, prior=prior)
    assert list(memberships(state)) == ["N-old"]


def test_a_support_line_beside_each_advertisers_own_number_weighs_little_but_an_operators_handle_links() -> None:
    cfg = small_config()
    c = Corpus(15)
    support = "+919800000001"
    for i in range(14):  # fourteen advertisers, each with its own number, all showing the site's support line
        own = c.phone()
        c.add(
            f"s-{i:02d}",
            f"{c.noise(15)} call {own} site help {support}",
            None,
            kind="job_ad",
            ids=(("phone", own, own), ("phone", support, support)),
        )
    handle = "telegram:op_handle"
    phones = [c.phone() for _ in range(3)]  # the operator rotates three phones over fourteen ads
    for i in range(14):
        ph = phones[i % 3]
        c.add(
            f"o-{i:02d}",
            f"{c.noise(15)} call {ph} tg @op_handle",
            "op",
            ids=(("phone", ph, ph), ("handle", handle, "@op_handle")),
        )
    state, delta = _run(cfg, c.posts)
    assert _partition(state) == _truth(c)
    st = delta.stats
    rows = st.lookup(np.array([entity_key("phone", support), entity_key("handle", handle)], dtype=np.uint64))
    # In the ad line (no footer), the support line is not named a hub but weighs next to nothing: 14 groups.
    assert not st.strong[rows[0]] and st.n_groups[rows[0]] == 14 and st.bits[rows[0]] < st.bits[rows[1]] / 2
    assert not st.hub[rows[1]] and st.n_groups[rows[1]] == 3 and st.strong[rows[1]]


def _pdq(rng: random.Random) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(64))


def _near(hexhash: str, flips: int, rng: random.Random) -> str:
    bits = bytearray(bytes.fromhex(hexhash))
    for pos in rng.sample(range(256), flips):
        bits[pos // 8] ^= 1 << (pos % 8)
    return bits.hex()


def _with_pdq(p: PostInput, *hashes: str) -> PostInput:
    return dataclasses.replace(p, pdq=tuple(hashes))


def test_near_copies_of_a_picture_link_and_a_stock_picture_across_kinds_is_a_hub(cfg: LinkConfig) -> None:
    rng = random.Random(16)
    c = Corpus(16)
    c.benign("b", 40)
    photo, stock = _pdq(rng), _pdq(rng)
    posts = []
    kinds = ("social_post", "job_ad", "other")
    for i, p in enumerate(c.posts):
        if i < 6:  # one operator's photo, re-encoded and cropped: a few bits differ each time
            posts.append(_with_pdq(dataclasses.replace(p, kind="escort_ad"), _near(photo, 3 + i, rng)))
        elif i < 18:  # one stock photo used by twelve unrelated posters of three kinds, each with its own number
            own = c.phone()
            q = dataclasses.replace(p, kind=kinds[i % 3], text=f"{p.text} {own}")
            q.identifiers = [("phone", own, len(p.text) + 1, len(p.text) + 1 + len(own))]
            posts.append(_with_pdq(q, _near(stock, 2, rng)))
        else:
            posts.append(_with_pdq(p, _pdq(rng)))
    state, delta = _run(cfg, posts)
    assert _partition(state) == {frozenset(p.id for p in posts[:6])}
    st = delta.stats
    images = np.flatnonzero((st.types == 6) & (st.n_posts >= 2))
    stock_row = images[np.argmax(st.n_posts[images])]
    assert st.n_groups[stock_row] == 12 and not st.strong[stock_row]
    # Pictures arriving in another order, in three batches, chain into the same clusters.
    shuffled = posts[::-1]
    inc, _ = _run(cfg, shuffled[:15], shuffled[15:30], shuffled[30:])
    assert _partition(inc) == _partition(state)
    assert sorted(np.unique(inc.img_cluster).tolist()) == sorted(np.unique(state.img_cluster).tolist())


def test_a_shared_company_url_alone_is_not_a_network_but_with_a_phone_it_is(cfg: LinkConfig) -> None:
    c = Corpus(17)
    url = "https://company.example/jobs"
    c.add("u-1", f"{c.noise()} apply {url}", None, kind="job_ad", ids=(("url", url, url),))
    c.add("u-2", f"{c.noise()} apply {url}", None, kind="job_ad", ids=(("url", url, url),))
    state, _ = _run(cfg, c.posts)
    assert _partition(state) == set()  # a weak link alone is below the evidence floor
    phone = "+919812345678"
    c.posts = [dataclasses.replace(p, text=f"{p.text} {phone}") for p in c.posts]
    for p in c.posts:
        u, s = p.text.index(url), p.text.index(phone)
        p.identifiers = [("url", url, u, u + len(url)), ("phone", phone, s, s + len(phone))]
    state, _ = _run(cfg, c.posts)
    assert _partition(state) == {frozenset({"u-1", "u-2"})}


def test_identical_texts_without_any_contact_do_not_link(cfg: LinkConfig) -> None:
    c = Corpus(18)
    notice = f"please share this notice with your family {c.noise(30)}"
    for i in range(5):
        c.add(f"n-{i}", notice, None, kind="social_post")
    c.benign("b", 100)
    state, _ = _run(cfg, c.posts)
    assert _partition(state) == set()
    # Allowed to link, the five copies are still five unknown posters each posting the words once: no evidence.
    relaxed = small_config(require_contact=False)
    state, _ = _run(relaxed, c.posts)
    assert _partition(state) == set()


def test_threads_and_worker_processes_do_not_change_the_result() -> None:
    # Tokenizing runs in worker processes and MinHash/LSH bands on threads for a large corpus: the state must be
    # exactly what one thread in one process builds.
    cfg = small_config(max_bucket=3)
    c = _mixed(31)
    c.variant_op("v1", 30)
    one = prepare_batch(c.posts, cfg.text)
    many = concat_batches(list(prepare_posts(c.posts, cfg.text, workers=2, chunk=37)))
    assert many.ids == one.ids
    for name in ("sh_indptr", "sh_ids", "memb_post", "memb_key", "memb_type", "contact", "memb_footer", "img_key"):
        assert (getattr(many, name) == getattr(one, name)).all(), name
    states = []
    for threads, batch in ((1, one), (3, many)):
        state = LinkState.empty(cfg.fingerprint(), cfg.text.num_perm, cfg.text.shingle_bits)
        update(state, batch, cfg, threads=threads)
        states.append(state)
    a, b = states
    assert (a.sigs == b.sigs).all()
    assert (a.cand_a == b.cand_a).all() and (a.cand_b == b.cand_b).all() and (a.cand_j == b.cand_j).all()
    assert _pairs(a) == _pairs(b)
    assert memberships(a) == memberships(b)
