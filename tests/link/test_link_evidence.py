"""The evidence model end to end on hand-built corpora (issue 9): each mechanism on its own."""

from __future__ import annotations

import numpy as np
from link_helpers import CITIES, Corpus

from tipwatch.link.batch import PostInput, prepare_batch
from tipwatch.link.config import LinkConfig
from tipwatch.link.engine import Delta, memberships, update
from tipwatch.link.entities import entity_key
from tipwatch.link.state import LinkState

STOCK = (
    "genuine profile real pics only",
    "no advance payment at all",
    "safe and secure service always",
    "hotel and home both available",
    "full satisfaction guaranteed tonight",
    "friendly and cooperative nature",
    "call me anytime day or night",
    "cash only no online transfer",
    "new in town for few days",
    "discreet and private place ready",
    "young and very beautiful girls",
    "available for short and long time",
)


def _run(cfg: LinkConfig, posts: list[PostInput]) -> tuple[Delta, set[frozenset[str]]]:
    state = LinkState.empty(cfg.fingerprint(), cfg.text.num_perm, cfg.text.shingle_bits)
    delta = update(state, prepare_batch(posts, cfg.text), cfg)
    assert delta.evidence.keys() == memberships(state).keys()
    return delta, {frozenset(v) for v in memberships(state).values()}


def _truth(c: Corpus) -> set[frozenset[str]]:
    ops: dict[str, set[str]] = {}
    for pid, op in c.truth.items():
        if op:
            ops.setdefault(op, set()).add(pid)
    return {frozenset(v) for v in ops.values()}


def _stock_ad(c: Corpus, phrases: list[str], phone: str) -> str:
    return f"{'. '.join(phrases)}. {c.rng.choice(CITIES)} call {phone}"


def test_two_operators_sharing_only_stock_phrases_stay_apart_and_apart_from_everyone(cfg: LinkConfig) -> None:
    c = Corpus(31)
    for i in range(150):  # unrelated posters, each composing stock phrases, one ad each with an own number
        phone = c.phone()
        c.add(f"i-{i:03d}", _stock_ad(c, c.rng.sample(STOCK, 6), phone), None, ids=(("phone", phone, phone),))
    for op in ("x", "y"):  # two operators, each reposting its own combination of the same stock phrases
        phrases = c.rng.sample(STOCK, 6)
        phones = [c.phone(), c.phone()]
        for k in range(15):
            phone = phones[k % 2]
            c.add(f"{op}-{k:02d}", _stock_ad(c, phrases, phone), op, ids=(("phone", phone, phone),))
    c.benign("b", 200)
    _, parts = _run(cfg, c.posts)
    assert parts == _truth(c)


def test_a_large_operator_cross_posting_on_twelve_sites_with_rotated_phones_is_one_network(cfg: LinkConfig) -> None:
    c = Corpus(32)
    sites = [f"site-{k:02d}" for k in range(12)]
    footer = {"site-03": "+919800000003", "site-07": "+919800000007"}  # two sites print their own support line
    phones = [c.phone() for _ in range(3)]
    template = c.noise(30)
    for k in range(150):
        site, phone = sites[k % 12], phones[c.rng.randrange(3)]  # one of three phones at random, never two
        text = f"{template} {c.rng.choice(CITIES)} call {phone}"
        ids = [("phone", phone, phone)]
        if site in footer:
            text += f"\nsupport {footer[site]}"
            ids.append(("phone", footer[site], footer[site]))
        c.add(f"op-{k:03d}", text, "op", platform=site, ids=tuple(ids))
    for i in range(60):  # other advertisers on the footer sites: the support lines sit under their ads too
        site = ("site-03", "site-07")[i % 2]
        own = c.phone()
        text = f"{c.noise(25)} call {own}\nsupport {footer[site]}"
        c.add(f"a-{i:03d}", text, None, platform=site, ids=(("phone", own, own), ("phone", footer[site], footer[site])))
    c.benign("b", 200)
    delta, parts = _run(cfg, c.posts)
    assert parts == _truth(c)
    st = delta.stats
    rows = st.lookup(np.array([entity_key("phone", p) for p in [*phones, *footer.values()]], dtype=np.uint64))
    assert not st.hub[rows[:3]].any() and (st.n_platforms[rows[:3]] >= 10).all()  # spread is not a hub
    assert st.hub[rows[3:]].all()  # the sites' support lines are


def test_a_network_keeps_its_reasons_in_bits(cfg: LinkConfig) -> None:
    c = Corpus(33)
    c.phone_op("p", 6, platforms=("site-a", "site-b"))
    c.benign("b", 50)
    state = LinkState.empty(cfg.fingerprint(), cfg.text.num_perm, cfg.text.shingle_bits)
    delta = update(state, prepare_batch(c.posts, cfg.text), cfg)
    (reasons,) = delta.evidence.values()
    assert reasons and reasons[0].startswith("evidence: a shared phone") and "bits; a link needs" in reasons[0]
