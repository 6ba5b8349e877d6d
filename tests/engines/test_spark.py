"""`analyze --engine spark` (Spark local[2]) stores exactly what `--engine local` stores, on 20,000+ generated posts
with hostile records among them, and writes Parquet that Spark itself reads back.

One Spark session for the module (starting a JVM costs seconds); the UI is off, traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import gzip
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from tipwatch.services.analyze import AnalyzeError, AnalyzeRequest, AnalyzeResult, analyze
from tipwatch.store.facade import open_store
from tipwatch.synth import generate

pyspark = pytest.importorskip("pyspark")
pytest.importorskip("pyarrow")

N_POSTS = 20_000
# Hostile lines spread through the big file, some right at the line numbers where the engine cuts it into tasks.
BAD_LINES: dict[int, bytes] = {
    1: b"{not json at all",
    4999: b"[1, 2, 3]",
    5000: b'{"id": "bytes", "body": "caf\xff\xfe"}',
    5001: b'{"id": "empty", "title": "", "body": "  "}',
    12_345: b'{"id": "x", "body": ' + b'"' + b"a" * 50 + b"",  # cut short
    19_999: b"   ",  # blank: not a record
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("spark-corpus")
    lines = [orjson.dumps(post) for post, _ in generate(N_POSTS, seed=12)]
    lines[100] = lines[50]  # the same record twice: a duplicate, counted, stored once
    for at, bad in BAD_LINES.items():
        lines.insert(at - 1, bad)
    big = d / "big.jsonl"
    big.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines))  # a BOM, and no newline after the last line
    # Read whole by one task each: a gzip file, a folder of pages (with a file that is not a record), a CSV.
    small = d / "small.jsonl.gz"
    small.write_bytes(gzip.compress(b"\n".join(orjson.dumps(p) for p, _ in generate(40, seed=99)) + b"\n{oops\n"))
    pages = d / "pages"
    pages.mkdir()
    (pages / "ad1.html").write_text(
        "<html><head><title>New in town</title><script>alert(1)</script></head>"
        "<body><p>New girls in town for 2 days, call 98450 12345</p></body></html>",
        encoding="utf-8",
    )
    (pages / "logo.png").write_bytes(b"\x89PNG not really")
    csv = d / "ads.csv"
    csv.write_text('id,body\nc1,"work in Dubai, passport kept by agent, call 9845012345"\nc2,\n', encoding="utf-8")
    # Posts with real pictures (hashed; paths resolve next to the file).
    with_images = d / "pictures" / "posts.jsonl"
    with_images.parent.mkdir()
    rows = [orjson.dumps(p) for p, _ in generate(30, seed=7, images_dir=with_images.parent)]
    with_images.write_bytes(b"\n".join(rows) + b"\n")
    return [big, small, pages, csv, with_images]


def _run(tmp: Path, name: str, inputs: list[Path], **engine: Any) -> tuple[str, AnalyzeResult]:
    url = f"sqlite:///{tmp / (name + '.db')}"
    request = AnalyzeRequest(inputs=inputs, link=False, quarantine_path=tmp / f"{name}-quarantine.jsonl", **engine)
    with open_store(url) as store:
        result = analyze(store, request, data_dir=tmp)
    return str(tmp / (name + ".db")), result


def _dump(db: str) -> dict[str, list[tuple[Any, ...]]]:
    """What the store holds, without run ids and clock times (the only things two runs may differ in)."""
    queries = {
        "runs": "select command, inputs, status, read, stored, duplicates, quarantined from runs order by id",
        "posts": "select id, source, position, url, platform, kind, title, body, posted_at, location, images, language,"
        " raw, risk, indicator_risk, classifier_risk, model, reasons from posts order by id",
        "identifiers": 'select id, post_id, type, value, start, "end", confidence, obfuscated, attrs from identifiers'
        " order by id",
        "hits": 'select id, post_id, code, category, domain, weight, start, "end", text, language, source'
        " from indicator_hits order by id",
        "quarantine": "select id, key, source, position, reason, raw from quarantine order by id",
        "media": "select * from media_items order by 1",
    }
    with sqlite3.connect(db) as conn:
        out = {name: conn.execute(sql).fetchall() for name, sql in queries.items()}
    conn.close()
    return out


def _without_times(rows: list[tuple[Any, ...]], db: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        names = [c[1] for c in conn.execute("pragma table_info(media_items)")]
    conn.close()
    keep = [i for i, n in enumerate(names) if not n.endswith("_at") and n != "run_id"]
    return [tuple(row[i] for i in keep) for row in rows]


def test_spark_stores_what_local_stores(spark: Any, corpus: list[Path], tmp_path: Path) -> None:
    local_db, local = _run(tmp_path, "local", corpus, engine="local", workers=2)
    parquet = tmp_path / "parquet"
    spark_db, on_spark = _run(tmp_path, "spark", corpus, engine="spark", parquet=str(parquet))

    assert local.counts.reconciles and on_spark.counts.reconciles
    assert (on_spark.counts.read, on_spark.counts.stored, on_spark.counts.duplicates, on_spark.counts.quarantined) == (
        local.counts.read,
        local.counts.stored,
        local.counts.duplicates,
        local.counts.quarantined,
    )
    assert on_spark.passed_over == local.passed_over == {"file with unknown extension .png": 1}
    assert local.counts.stored >= N_POSTS and local.counts.duplicates >= 1

    a, b = _dump(local_db), _dump(spark_db)
    a["media"], b["media"] = _without_times(a["media"], local_db), _without_times(b["media"], spark_db)
    for table in a:
        assert a[table] == b[table], f"{table} differs between --engine local and --engine spark"
    assert len(a["identifiers"]) > N_POSTS and len(a["hits"]) > 1000 and a["media"]
    # The hostile lines are quarantined with their file and line, across the places the file was cut.
    big = str(corpus[0])
    where = {(q[2], q[3]) for q in b["quarantine"]}
    assert {(big, "line 1"), (big, "line 4999"), (big, "line 5000"), (big, "line 5001"), (big, "line 12345")} <= where
    assert (big, "line 19999") not in where  # a blank line is not a record
    quarantine_file = [orjson.loads(x) for x in on_spark.quarantine_path.read_bytes().splitlines()]
    assert len(quarantine_file) == len(b["quarantine"])

    # Parquet: one row per analysed post (the duplicate twice), readable by Spark's own reader.
    posts = spark.read.parquet(str(parquet / "posts"))
    stored_ids = {row[0] for row in a["posts"]}
    assert {r.post_id for r in posts.select("post_id").collect()} == stored_ids
    assert posts.count() == local.counts.stored + 1
    idents = spark.read.parquet(str(parquet / "identifiers"))
    assert {(r.post_id, r.type, r.value, r.start, r.end) for r in idents.collect()} == {
        (row[1], row[2], row[3], row[4], row[5]) for row in a["identifiers"]
    }
    hits = spark.read.parquet(str(parquet / "hits"))
    assert {(r.post_id, r.code, r.start) for r in hits.collect()} == {(row[1], row[2], row[6]) for row in a["hits"]}
    media = spark.read.parquet(str(parquet / "media")).where("status = 'ok'")
    assert media.count() > 0 and media.where("sha256 is null").count() == 0


def _post_ids(db: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        ids = [row[0] for row in conn.execute("select id from posts order by id")]
    conn.close()
    return ids


def test_url_inputs_are_read_through_spark(spark: Any, tmp_path: Path) -> None:
    folder = tmp_path / "remote"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.jsonl").write_bytes(b"\n".join(orjson.dumps(p) for p, _ in generate(30, seed=21)) + b"\n{bad\n")
    (folder / "sub" / "b.jsonl.gz").write_bytes(gzip.compress(b"\n".join(orjson.dumps(p) for p, _ in generate(20, 22))))
    (folder / ".hidden.jsonl").write_bytes(b'{"id": "h", "body": "not read"}\n')
    local_db, local = _run(tmp_path, "local", [folder], engine="local", workers=1)
    (folder / "_SUCCESS").write_bytes(b"")  # Hadoop's marker: passed over like a hidden file
    url = folder.as_uri() + "/"
    url_db, remote = _run(tmp_path, "url", [url], engine="spark")

    assert (remote.counts.read, remote.counts.stored, remote.counts.quarantined) == (
        local.counts.read,
        local.counts.stored,
        local.counts.quarantined,
    )
    assert remote.counts.reconciles and remote.counts.stored == 50
    assert _post_ids(url_db) == _post_ids(local_db)
    assert remote.passed_over == {"hidden file or folder": 2}
    with sqlite3.connect(url_db) as conn:
        bad = conn.execute("select source, position, reason from quarantine where raw = '{bad'").fetchall()
    conn.close()
    assert len(bad) == 1 and bad[0][0].startswith("file:") and bad[0][0].endswith("/remote/a.jsonl")
    assert bad[0][1] == "line 31" and "invalid JSON" in bad[0][2]
    with pytest.raises(AnalyzeError, match="input not found"):
        _run(tmp_path, "missing", [folder.as_uri() + "/missing/"], engine="spark")


def test_usage_errors_before_anything_runs(tmp_path: Path) -> None:
    tipwatch = str(Path(sys.executable).parent / "tipwatch")
    ads = tmp_path / "ads.jsonl"
    ads.write_text('{"id": "1", "body": "hello"}\n', encoding="utf-8")
    db = ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    cases = {
        ("hdfs://nn/ads/",): "URL inputs are read by --engine spark only",
        (str(ads), "--parquet", str(tmp_path / "pq")): "--spark-master and --parquet go with --engine spark",
        (str(ads), "--engine", "dask"): "--engine 'dask' is not one of local, spark",
    }
    for args, message in cases.items():
        done = subprocess.run([tipwatch, "analyze", *args, *db], capture_output=True, timeout=120)
        assert done.returncode != 0 and message in done.stderr.decode() + done.stdout.decode(), args
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "old.parquet").write_bytes(b"x")
    args = [str(ads), "--engine", "spark", "--parquet", str(tmp_path / "used"), *db]
    done = subprocess.run([tipwatch, "analyze", *args], capture_output=True, timeout=120)
    assert done.returncode != 0 and "must be a new or empty folder" in done.stderr.decode() + done.stdout.decode()
