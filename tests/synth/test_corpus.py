"""The corpus as a whole: determinism, shape of the records, and the mix of labels, kinds and languages."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from tipwatch.model import POST_KINDS
from tipwatch.synth import generate

Pairs = list[tuple[dict[str, Any], dict[str, Any]]]
POST_KEYS = {"id", "url", "platform", "kind", "title", "body", "posted_at", "location", "images"}
TRUTH_KEYS = {
    "id",
    "label",
    "category",
    "network_id",
    "language",
    "template_id",
    "template_key",
    "indicators",
    "hard_cases",
    "city",
    "identifiers",
    "images",
}


def test_same_seed_same_corpus() -> None:
    assert list(generate(1500, 7)) == list(generate(1500, 7))


def test_different_seeds_differ() -> None:
    a = [p for p, _ in generate(300, 1)]
    b = [p for p, _ in generate(300, 2)]
    assert sum(x["body"] == y["body"] for x, y in zip(a, b, strict=True)) < 10
    assert {p["id"] for p in a}.isdisjoint(p["id"] for p in b)


def test_exactly_n_posts_with_stable_ids() -> None:
    for n in (0, 1, 5, 4001):
        ids = [p["id"] for p, _ in generate(n, 3)]
        assert ids == [f"syn-3-{i}" for i in range(n)]


def test_records_carry_their_fields_and_nothing_from_the_truth(corpus: Pairs) -> None:
    for post, truth in corpus:
        assert set(post) == POST_KEYS
        assert set(truth) == TRUTH_KEYS
        assert post["id"] == truth["id"]
        assert post["kind"] in POST_KINDS
        assert post["body"].strip()
        assert re.fullmatch(r"https://[a-z0-9.-]+\.example/\S+", post["url"]), post["url"]
        assert post["location"] and post["platform"]
        # Image names are opaque: nothing in them reveals a network or a base image.
        assert all(re.fullmatch(r"[0-9a-f]{16}\.jpg", name) for name in post["images"])
    assert len({p["url"] for p, _ in corpus}) > 0.99 * len(corpus)


def test_times_are_iso_utc_within_six_months(corpus: Pairs) -> None:
    times = [datetime.fromisoformat(p["posted_at"].replace("Z", "+00:00")) for p, _ in corpus]
    assert all(t.tzinfo == UTC and p["posted_at"].endswith("Z") for t, (p, _) in zip(times, corpus, strict=True))
    span = max(times) - min(times)
    assert 150 <= span.days <= 183
    # Spread, not bunched: every month of the window has posts.
    assert len({t.month for t in times}) >= 6


def test_label_kind_language_and_category_mix(corpus: Pairs) -> None:
    n = len(corpus)
    labels = Counter(t["label"] for _, t in corpus)
    assert 0.08 <= labels[1] / n <= 0.15
    kinds = Counter(p["kind"] for p, _ in corpus)
    for kind in POST_KINDS:
        assert 0.04 <= kinds[kind] / n <= 0.40, (kind, kinds[kind] / n)
    langs = Counter(t["language"] for _, t in corpus)
    assert set(langs) == {"en", "hi", "bn", "hi-Latn", "ne"}
    assert all(langs[lang] / n >= 0.02 for lang in langs)
    cats = Counter(t["category"] for _, t in corpus)
    for category in ("sex_trafficking", "labour_trafficking", "marriage_fraud"):
        assert cats[category] > 0.005 * n
    for category in (
        "benign_independent_adult",
        "benign_job",
        "benign_overseas_job",
        "benign_marriage",
        "benign_dating",
        "benign_social",
        "benign_awareness",
        "benign_classified",
    ):
        assert cats[category] > 0.01 * n
    # Labels follow categories: benign categories are 0, the rest 1.
    assert all((t["label"] == 0) == t["category"].startswith("benign_") for _, t in corpus)
    # Several platforms per kind.
    for kind in POST_KINDS:
        assert len({p["platform"] for p, _ in corpus if p["kind"] == kind}) >= 2


def test_indicative_posts_list_planted_indicators_and_vary_in_wording(corpus: Pairs) -> None:
    indicative = [(p, t) for p, t in corpus if t["label"] == 1]
    assert all(t["indicators"] for _, t in indicative)
    kinds = Counter(k for _, t in indicative for k in t["indicators"])
    for expected in (
        "obscured_phone",
        "youth_wording",
        "movement",
        "third_person",
        "worker_fee",
        "travel_lodging_paid",
    ):
        assert kinds[expected] > 0, expected
    # Varied wording: most indicative bodies are unique, even among posts of the same frame.
    bodies = Counter(p["body"] for p, _ in indicative)
    assert len(bodies) > 0.97 * len(indicative)


def test_hard_lookalikes_are_present_and_benign(corpus: Pairs) -> None:
    hard = Counter(h for _, t in corpus for h in t["hard_cases"])
    for case in (
        "lookalike_independent",
        "honest_overseas",
        "awareness_quotes_red_flags",
        "hub_identifier",
        "shared_phrase",
        "stock_image",
    ):
        assert hard[case] > 0, case
    honest = [p for p, t in corpus if t["category"] == "benign_overseas_job" and t["language"] == "en"]
    assert any(re.search(r"B-\d{4}/[A-Z]{3}/PER/", p["body"]) for p in honest)  # licence number
    assert all("fee" in p["body"].lower() or "charge" in p["body"].lower() for p in honest)


def test_text_is_messy_and_code_mixed(corpus: Pairs) -> None:
    texts = [p["title"] + "\n" + p["body"] for p, _ in corpus]
    emoji = sum(bool(re.search(r"[\U0001F300-\U0001FAFF]", t)) for t in texts)
    assert emoji > 0.3 * len(texts)
    deva = sum(bool(re.search(r"[\u0900-\u097F]", t)) for t in texts)
    beng = sum(bool(re.search(r"[\u0980-\u09FF]", t)) for t in texts)
    assert deva > 0.05 * len(texts) and beng > 0.05 * len(texts)
    stretched = sum(bool(re.search(r"([aeiou])\1\1", t)) for t in texts)
    assert stretched > 10


@pytest.mark.parametrize("seed", [0, 99])
def test_generation_is_lazy(seed: int) -> None:
    # Asking for the first post of a huge corpus returns at once: nothing is built up front beyond one chunk.
    first = list(itertools.islice(generate(10**9, seed), 3))
    assert [p["id"] for p, _ in first] == [f"syn-{seed}-{i}" for i in range(3)]
