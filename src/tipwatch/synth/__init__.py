"""Synthetic corpus with ground truth: a fixture for demos, tests and benchmarks. Detection code never reads it.

``generate(n, seed, images_dir=None)`` yields (post, truth) pairs; see docs/synth.md for what is planted.
"""

from tipwatch.synth.generator import generate

__all__ = ["generate"]
