from __future__ import annotations

import numpy as np

from tipwatch.link.config import IdentifierConfig
from tipwatch.link.entities import TYPE_CODE, entity_key, entity_stats, hub_reason

CFG = IdentifierConfig(
    type_weight={"phone": 1.0, "url": 0.6},
    max_posts=10,
    spread_min_posts=4,
    spread_max_platforms=2,
    spread_max_kinds=3,
    strong_weight=0.5,
)


def _stats(groups: list[tuple[str, str, list[int]]], platform: list[int], kind: list[int]):  # type: ignore[no-untyped-def]
    post, key, typ = [], [], []
    for etype, value, members in groups:
        for p in members:
            post.append(p)
            key.append(entity_key(etype, value))
            typ.append(TYPE_CODE[etype])
    return entity_stats(
        np.array(post),
        np.array(key, dtype=np.uint64),
        np.array(typ, dtype=np.uint8),
        np.array(platform),
        np.array(kind),
        CFG,
    )


def test_rare_identifiers_weigh_more_and_the_cap_makes_a_hub() -> None:
    n = 20
    st = _stats(
        [
            ("phone", "+1", [0, 1]),
            ("phone", "+2", list(range(9))),
            ("phone", "+3", list(range(11))),
            ("phone", "+4", [5]),
        ],
        [0] * n,
        [0] * n,
    )
    row = {k: i for i, k in enumerate(st.keys.tolist())}
    r1, r2, r3, r4 = (row[entity_key("phone", v)] for v in ("+1", "+2", "+3", "+4"))
    assert st.weight[r1] > st.weight[r2]
    assert st.links()[r1] and st.links()[r2]
    assert st.hub[r3] and not st.links()[r3]
    assert "more than 10 posts" in hub_reason(st, r3, CFG)
    assert not st.links()[r4]  # in one post only


def test_an_identifier_spread_over_many_platforms_is_a_hub_but_a_few_platforms_are_fine() -> None:
    platform = [0, 1, 2, 3, 0, 1, 0, 1]
    st = _stats([("phone", "+9", [0, 1, 2, 3]), ("phone", "+8", [4, 5, 6, 7])], platform, [0] * 8)
    row = {k: i for i, k in enumerate(st.keys.tolist())}
    spread, fine = row[entity_key("phone", "+9")], row[entity_key("phone", "+8")]
    assert st.hub[spread] and "4 platforms" in hub_reason(st, spread, CFG)
    assert st.links()[fine] and st.n_platforms[fine] == 2


def test_a_url_is_weaker_than_a_phone() -> None:
    st = _stats([("phone", "+1", [0, 1]), ("url", "https://x.example/a", [0, 1])], [0, 0], [0, 0])
    row = {k: i for i, k in enumerate(st.keys.tolist())}
    assert st.weight[row[entity_key("url", "https://x.example/a")]] < st.weight[row[entity_key("phone", "+1")]]
