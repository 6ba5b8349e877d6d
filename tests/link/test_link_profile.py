from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tipwatch.link.profile import MemberFacts, build_profile, movement
from tipwatch.link.rank import score
from tipwatch.link.template import build_template

T0 = datetime(2026, 1, 5, 10, tzinfo=UTC)


def _m(
    i: int, place: str | None, *, platform: str = "a", risk: float = 0.5, hits: int = 0, phone: str = "+1"
) -> MemberFacts:
    return MemberFacts(
        f"p{i:02d}",
        platform,
        "escort_ad",
        T0 + timedelta(days=i),
        None,
        "en",
        risk,
        hits,
        [place] if place else [],
        [("phone", phone)],
    )


def test_movement_is_the_ordered_path_of_places_with_repeats_collapsed() -> None:
    members = [_m(3, "Pune"), _m(0, "Delhi"), _m(1, "Delhi"), _m(2, "Jaipur"), _m(4, None)]
    stops = movement(members)
    assert [s["place"] for s in stops] == ["Delhi", "Jaipur", "Pune"]
    assert stops[0]["posts"] == 2 and stops[0]["from"] == T0.isoformat()


def test_profile_counts_and_rhythm() -> None:
    members = [_m(i, "Delhi", platform="a" if i % 2 else "b", risk=0.2 * i, hits=i) for i in range(5)]
    prof = build_profile(members)
    assert prof["size"] == 5 and prof["platforms"] == {"b": 3, "a": 2}
    assert prof["risk_max"] == 0.8 and prof["indicator_density"] == 2.0
    assert prof["time"]["span_days"] == 4.0 and prof["time"]["median_gap_hours"] == 24.0  # type: ignore[index]


def test_organized_mobile_indicator_dense_networks_rank_first() -> None:
    mobile = [
        _m(i, c, risk=0.8, hits=3, phone=f"+{i % 4}") for i, c in enumerate(["Delhi", "Jaipur", "Pune", "Goa"] * 4)
    ]
    static = [_m(i, "Delhi", risk=0.3, hits=0) for i in range(16)]
    s_mobile, reasons = score(build_profile(mobile))
    s_static, _ = score(build_profile(static))
    assert s_mobile > s_static
    assert any(r.startswith("mobility: moves through 4 places: Delhi -> Jaipur -> Pune -> Goa") for r in reasons)
    assert any(r.startswith("identifiers: 4 contact identifiers") for r in reasons)


def test_template_marks_constant_words_and_slots_with_their_values() -> None:
    texts = []
    for city, phone, name in (("Delhi", "98111", "Asha"), ("Pune", "98222", "Mira"), ("Goa", "98333", "Zoya")):
        t = f"Hi I am {name} new in {city} call {phone} now"
        c, p = t.index(city), t.index(phone)
        texts.append((t, [(c, c + len(city), "place"), (p, p + 5, "phone")]))
    tmpl = build_template(texts)
    assert tmpl.text == "Hi I am {slot1} new in {place} call {phone} now"
    slots = {s.slot: s.values for s in tmpl.segments if s.slot}
    assert set(slots["slot1"]) == {"Asha", "Mira", "Zoya"} and set(slots["place"]) == {"Delhi", "Pune", "Goa"}
    assert build_template([]).segments == []
