"""word_tree() is a faster spelling of word_alternation(): the same matches, including under backtracking."""

from __future__ import annotations

import random
import re

from tipwatch.extract.context import word_alternation, word_tree


def test_word_tree_matches_like_the_sorted_alternation() -> None:
    words = [
        "hr",
        "hrs",
        "hour",
        "hours",
        "half an hour",
        "h",
        "night",
        "full night",
        "nite",
        "k",
        "₹",
        "rs",
        "rs.",
        "/-",
    ]
    rng = random.Random(3)
    pieces = [*words, " ", "", "s", "x", "2", "000", "."]
    for tail in ("", r"(?![^\W_])", r"\s?[0-9]", "s"):
        plain = re.compile(rf"(?:{word_alternation(words)}){tail}")
        tree = re.compile(rf"(?:{word_tree(words)}){tail}")
        for _ in range(2000):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
            assert [m.span() for m in plain.finditer(text)] == [m.span() for m in tree.finditer(text)], text


def test_word_tree_shape() -> None:
    assert word_tree(["hr", "hour", "hrs"]) == "h(?:our|r(?:s|))"
    assert word_tree(["k"]) == "k"
