"""A small, separable labelled corpus written for these tests (synthetic wording, no real people)."""

from __future__ import annotations

import random

POSITIVE_BITS = [
    "new girls in town for 2 days",
    "young fresh college girls available",
    "our girls are ready, call manager",
    "passport will be kept by company",
    "registration fee 5000 pay before joining",
    "nayi ladkiyan hamare paas",
    "कमसिन लड़कियां उपलब्ध",
    "নতুন মেয়ে আছে, কচি",
    "no advance, 100% genuine service",
    "salary after 3 months, work to repay the visa loan",
]
NEGATIVE_BITS = [
    "two bedroom flat for rent near the metro",
    "accounts assistant with tally experience",
    "seeking alliance for our son, engineer",
    "home tuition for class 8 maths",
    "second hand bicycle in good condition",
    "पुत्र हेतु वधू चाहिए, शिक्षित परिवार",
    "পাত্রী চাই, সরকারি চাকরি",
    "yoga classes every morning in the park",
    "walk-in interview at our office, no fees",
    "fresh vegetables delivered daily",
]
FILLER = ["call now", "contact", "details inside", "Pune", "Kolkata", "Delhi", "today", "best price", "visit"]


def corpus(n: int = 200, seed: int = 7) -> list[tuple[str, str, int]]:
    """(title, body, label) rows, half of each class, shuffled."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = i % 2
        bits = POSITIVE_BITS if label else NEGATIVE_BITS
        body = ", ".join(rng.sample(bits, 2) + rng.sample(FILLER, 2))
        rows.append((rng.choice(FILLER).title(), body, label))
    rng.shuffle(rows)
    return rows
