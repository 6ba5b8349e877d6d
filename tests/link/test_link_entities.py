"""Evidence of shared values: bits from otherwise-unrelated groups, footer and known-contact hubs."""

from __future__ import annotations

import numpy as np

from tipwatch.link.config import load_config
from tipwatch.link.entities import (
    EntityStats,
    entity_key,
    entity_stats,
    hub_reason,
    load_known_contacts,
    score,
    type_codes,
)

CFG = load_config().identifiers
ODDS = load_config().evidence.target_odds


def _stats(
    groups: list[tuple[str, str, list[int]]],
    platform: list[int],
    footer_values: frozenset[str] = frozenset(),
    n_groups: int = 1000,
) -> EntityStats:
    post, key, typ, foot = [], [], [], []
    for etype, value, members in groups:
        for p in members:
            post.append(p)
            key.append(entity_key(etype, value))
            typ.append(type_codes()[etype])
            foot.append(value in footer_values)
    st = entity_stats(
        np.array(post),
        np.array(key, dtype=np.uint64),
        np.array(typ, dtype=np.uint8),
        np.array(platform),
        np.zeros(len(platform), dtype=np.int64),
        CFG,
        memb_footer=np.array(foot, dtype=bool),
        known=load_known_contacts(CFG.known_contacts),
    )
    score(st, n_groups, CFG, ODDS)
    return st


def _row(st: EntityStats, etype: str, value: str) -> int:
    return int(st.lookup(np.array([entity_key(etype, value)], dtype=np.uint64))[0])


def test_an_operator_phone_on_twelve_sites_is_strong_not_a_hub() -> None:
    n = 60
    st = _stats([("phone", "+919000000001", list(range(n)))], [i % 12 for i in range(n)])
    r = _row(st, "phone", "+919000000001")
    assert st.n_platforms[r] == 12
    assert not st.hub[r] and st.strong[r]


def test_a_footer_line_under_many_unrelated_posters_is_a_hub() -> None:
    # 40 posters on one site, each with its own phone (two ads each), all carrying the site's support line.
    groups: list[tuple[str, str, list[int]]] = [("phone", f"+9190000{i:05d}", [2 * i, 2 * i + 1]) for i in range(40)]
    groups.append(("phone", "+918000000000", list(range(80))))
    st = _stats(groups, [0] * 80, footer_values=frozenset({"+918000000000"}))
    r = _row(st, "phone", "+918000000000")
    assert st.hub[r] and st.bits[r] == 0 and not st.links()[r]
    assert "footer" in hub_reason(st, r, CFG)
    own = _row(st, "phone", "+919000000003")
    assert st.strong[own]


def test_the_same_value_in_the_ad_body_of_a_few_groups_still_counts() -> None:
    # Not in a footer, shared by three groups (a controller's number beside the women's own): evidence, no hub.
    groups: list[tuple[str, str, list[int]]] = [("phone", f"+9190000{i:05d}", [2 * i, 2 * i + 1]) for i in range(3)]
    groups.append(("phone", "+917000000000", list(range(6))))
    st = _stats(groups, [0] * 6)
    r = _row(st, "phone", "+917000000000")
    assert not st.hub[r] and st.strong[r]


def test_a_known_helpline_is_a_hub_with_its_source() -> None:
    st = _stats([("phone", "+18883737888", [0, 1, 2]), ("phone", "+919000000001", [0, 1])], [0, 1, 2])
    r = _row(st, "phone", "+18883737888")
    assert st.hub[r]
    assert "Human Trafficking Hotline" in hub_reason(st, r, CFG) and "https://" in hub_reason(st, r, CFG)


def test_a_url_is_weaker_than_a_phone_and_does_not_link_alone() -> None:
    st = _stats([("phone", "+1", [0, 1]), ("url", "https://x.example/a", [0, 1])], [0, 0])
    url, phone = _row(st, "url", "https://x.example/a"), _row(st, "phone", "+1")
    assert 0 < st.bits[url] < st.bits[phone]
    assert st.strong[phone] and not st.strong[url]


def test_evidence_falls_with_the_number_of_unrelated_groups() -> None:
    groups: list[tuple[str, str, list[int]]] = [("phone", f"+9190000{i:05d}", [2 * i, 2 * i + 1]) for i in range(30)]
    groups.append(("phone", "+917000000001", list(range(12))))  # 6 groups
    groups.append(("phone", "+917000000002", list(range(60))))  # 30 groups
    st = _stats(groups, [0] * 60)
    six, thirty = _row(st, "phone", "+917000000001"), _row(st, "phone", "+917000000002")
    # the first six groups are one through the other shared number: 25 groups
    assert st.n_groups[six] == 6 and st.n_groups[thirty] == 25
    assert st.bits[thirty] < st.bits[six] < st.threshold
