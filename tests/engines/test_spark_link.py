"""`networks --engine spark` (Spark local[2]) stores exactly what `--engine local` stores, on 20,000+ generated posts
(some with pictures, so picture links too), linking from the store and from the Parquet analyze --parquet wrote.

The posts are analysed once (analyze --engine spark stores what --engine local stores: test_spark.py) and the
database copied, so each engine links the same stored posts.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from typer.testing import CliRunner

from tipwatch.cli.main import app
from tipwatch.link.batch import PostInput, concat_batches, prepare_batch, take_batch
from tipwatch.link.config import load_config
from tipwatch.link.state import load_state
from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.services.networks import LinkEngine, ParquetMismatch, update_networks
from tipwatch.store.facade import open_store
from tipwatch.store.link_state import default_state_dir
from tipwatch.synth import generate

pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")

N_POSTS = 20_000


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A database of N_POSTS + 300 analysed posts (300 with pictures) and the Parquet written beside it."""
    d = tmp_path_factory.mktemp("spark-link")
    big = d / "posts.jsonl"
    big.write_bytes(b"\n".join(orjson.dumps(p) for p, _ in generate(N_POSTS, seed=21)) + b"\n")
    pictures = d / "pictures" / "posts.jsonl"
    pictures.parent.mkdir()
    rows = [orjson.dumps(p) for p, _ in generate(300, seed=5, images_dir=pictures.parent)]
    pictures.write_bytes(b"\n".join(rows) + b"\n")
    db = d / "analysed.db"
    parquet = d / "parquet"
    request = AnalyzeRequest(
        inputs=[big, pictures], link=False, quarantine_path=d / "q.jsonl", engine="spark", parquet=str(parquet)
    )
    with open_store(f"sqlite:///{db}") as store:
        analyze(store, request, data_dir=d)
    return db, parquet


def _copy(db: Path, to: Path) -> str:
    shutil.copyfile(db, to)
    return f"sqlite:///{to}"


def _dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """What linking stored, without clock times and the state's random generation token."""
    queries = {
        "entities": "select * from link_entities order by key",
        "links": "select post_a, post_b, entity_key, signal, weight, strong, evidence from links"
        " order by post_a, post_b, entity_key, signal",
        "networks": "select id, size, score, reasons, profile, first_posted_at, last_posted_at from networks"
        " order by id",
        "members": "select post_id, network_id from network_posts order by post_id",
        "meta": "select key, value from link_meta where key not in ('state_token', 'updated_at') order by key",
    }
    with sqlite3.connect(db) as conn:
        out = {name: conn.execute(sql).fetchall() for name, sql in queries.items()}
    conn.close()
    return out


def _network_sets(rows: list[tuple[Any, ...]]) -> set[frozenset[str]]:
    by: dict[str, set[str]] = {}
    for pid, nid in rows:
        by.setdefault(nid, set()).add(pid)
    return {frozenset(v) for v in by.values()}


def test_spark_links_what_local_links(spark: Any, analysed: tuple[Path, Path], tmp_path: Path) -> None:
    db, parquet = analysed
    dbs = {name: tmp_path / f"{name}.db" for name in ("local", "spark", "parquet")}
    for name, engine in (
        ("local", LinkEngine()),
        ("spark", LinkEngine("spark")),
        ("parquet", LinkEngine("spark", parquet=str(parquet))),
    ):
        with open_store(_copy(db, dbs[name])) as store:
            summary = update_networks(store, engine=engine)
        assert summary.full and summary.posts >= N_POSTS

    local = _dump(dbs["local"])
    assert len(local["members"]) > 2000 and len(local["networks"]) > 50
    signals = {row[3] for row in local["links"]}
    assert {"text", "phone", "image"} <= signals, signals  # text pairs, identifier groups and picture clusters
    for name in ("spark", "parquet"):
        other = _dump(dbs[name])
        assert _network_sets(other["members"]) == _network_sets(local["members"]), name
        for table in local:
            assert other[table] == local[table], f"{table} differs between --engine local and --engine {name}"
        # The saved link state too (a later local update continues from it).
        a = load_state(default_state_dir(f"sqlite:///{dbs['local']}"))
        b = load_state(default_state_dir(f"sqlite:///{dbs[name]}"))
        assert a is not None and b is not None
        assert a.ids == b.ids and a.net_names == b.net_names and a.values == b.values
        for field in ("sigs", "cand_a", "cand_b", "cand_j", "pair_a", "pair_b", "pair_w", "pair_signal", "memb_key"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), (name, field)


def test_parquet_missing_posts_is_named(spark: Any, analysed: tuple[Path, Path], tmp_path: Path) -> None:
    db, _ = analysed
    empty = tmp_path / "empty-parquet" / "posts"
    empty.mkdir(parents=True)
    with open_store(_copy(db, tmp_path / "x.db")) as store, pytest.raises(ParquetMismatch, match="no part files"):
        update_networks(store, engine=LinkEngine("spark", parquet=str(empty.parent)))
    with open_store(_copy(db, tmp_path / "y.db")) as store, pytest.raises(ParquetMismatch, match="no posts table"):
        update_networks(store, engine=LinkEngine("spark", parquet=str(tmp_path / "nowhere")))


def test_cli_engine_options(analysed: tuple[Path, Path], tmp_path: Path) -> None:
    db, _ = analysed
    url = _copy(db, tmp_path / "cli.db")
    runner = CliRunner()
    bad = runner.invoke(app, ["networks", "--db", url, "--out", str(tmp_path / "n.jsonl"), "--engine", "dask"])
    assert bad.exit_code == 2 and "'dask' is not one of local, spark" in bad.output
    res = runner.invoke(app, ["networks", "--db", url, "--out", str(tmp_path / "n.jsonl"), "--parquet", "x"])
    assert res.exit_code == 2 and "need --engine spark" in res.output


def test_take_batch_is_prepare_in_that_order() -> None:
    cfg = load_config().text
    posts = [
        PostInput(
            f"p{i}",
            f"call me at 98450 1234{i} new girl {i % 3} in town",
            identifiers=[("phone", f"+91984501234{i}", 11, 22)],
        )
        for i in range(6)
    ]
    whole = concat_batches([prepare_batch(posts[:3], cfg), prepare_batch(posts[3:], cfg)])
    order = np.array([4, 0, 5, 2], dtype=np.int64)
    got = take_batch(whole, order)
    want = prepare_batch([posts[i] for i in order.tolist()], cfg)
    assert got.ids == want.ids
    for name in ("sh_indptr", "sh_ids", "memb_post", "memb_key", "memb_type", "contact", "memb_footer"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
