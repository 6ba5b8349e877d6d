"""The Spark kernels (link.spark.SparkKernels) give the local kernels' arrays bit for bit, also on incremental updates
where only some representatives are searched and buckets cross a tiny bound between batches (the cases where the
band skip rule and the "one end searched" rule matter)."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from link_helpers import Corpus, small_config

from tipwatch.link.batch import PostInput, prepare_batch
from tipwatch.link.config import LinkConfig
from tipwatch.link.engine import Kernels, memberships, update
from tipwatch.link.state import LinkState

pytest.importorskip("pyspark")

FIELDS = ("sigs", "cand_a", "cand_b", "cand_j", "big_key", "big_band", "pair_a", "pair_b", "pair_w", "net")


def _run(cfg: LinkConfig, kernels: Kernels, batches: list[list[PostInput]]) -> LinkState:
    state = LinkState.empty(cfg.fingerprint(), cfg.text.num_perm, cfg.text.shingle_bits)
    for posts in batches:
        update(state, prepare_batch(posts, cfg.text), cfg, kernels=kernels)
    return state


@pytest.mark.parametrize(("seed", "max_bucket"), [(41, 2), (42, 4), (43, None)])
def test_spark_kernels_equal_local_kernels_incrementally(
    spark: Any, seed: int, max_bucket: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tipwatch.link import spark as on_spark_module
    from tipwatch.link.spark import SparkKernels

    # Small MinHash tasks, so that their results come back over several windows of jobs.
    monkeypatch.setattr(on_spark_module, "SIGN_CHUNK", 16)

    cfg = small_config(max_bucket=max_bucket)
    c = Corpus(seed)
    c.template_op("t1", 15)
    c.phone_op("p1", 9)
    c.variant_op("v1", 30)
    c.variant_op("v2", 20, swaps=2)
    c.boilerplate("bp", 30)
    c.benign("b", 80)
    c.rng.shuffle(c.posts)
    cuts = sorted(random.Random(seed).sample(range(1, len(c.posts)), 4))
    batches = [c.posts[i:j] for i, j in zip([0, *cuts], [*cuts, len(c.posts)], strict=True)]
    local = _run(cfg, Kernels(1), batches)
    on_spark = _run(cfg, SparkKernels(spark), batches)
    assert len(local.cand_a) > 10 and memberships(local)
    assert max_bucket is None or len(local.big_key) > 0  # buckets over the bound were met
    for name in FIELDS:
        assert np.array_equal(getattr(local, name), getattr(on_spark, name)), name
    assert memberships(local) == memberships(on_spark)


def test_no_posts_and_no_searched_posts(spark: Any) -> None:
    from tipwatch.link.spark import SparkKernels

    kernels = SparkKernels(spark)
    z = np.zeros(0, dtype=np.int64)
    a, b = np.ones(64, dtype=np.uint64), np.zeros(64, dtype=np.uint64)
    assert kernels.signatures(np.zeros(1, np.int64), np.zeros(0, np.uint32), a, b).shape == (0, 64)
    keys = np.arange(32, dtype=np.uint64).reshape(2, 16)
    sigs = np.zeros((2, 64), dtype=np.uint32)
    got = kernels.similar(keys, np.array([0, 1]), np.zeros(2, bool), 10, sigs, 0.5, None)
    assert [len(x) for x in got] == [0, 0, 0]
    assert [len(x) for x in kernels.similar(keys[:0], z, np.zeros(0, bool), 10, sigs[:0], 0.5, None)] == [0, 0, 0]
