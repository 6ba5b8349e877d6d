"""Fast random picks. ``random.Random.choice`` costs a few microseconds (rejection sampling on bits); at a million
posts with dozens of picks each that dominates, so picks scale one ``random()`` draw instead (bias < 2**-40)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    return seq[int(rng.random() * len(seq))]


def between(rng: random.Random, lo: int, hi: int, step: int = 1) -> int:
    """A random multiple of ``step`` above ``lo``, at most ``hi`` (both ends included)."""
    return lo + step * int(rng.random() * ((hi - lo) // step + 1))
