"""Trends: counts per week, platform and place; emerging terms proposed as lexicon candidates that validate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from link_helpers import Corpus
from typer.testing import CliRunner

from tipwatch.cli.main import app
from tipwatch.indicators.config import Source
from tipwatch.indicators.lexicon import default_lexicon, load_file, word_sets
from tipwatch.link.trends import candidate_lexicon
from tipwatch.model import Assessment, Identifier, IndicatorHit, Post, PostResult
from tipwatch.services.trends import trends
from tipwatch.store.db import open_engine
from tipwatch.store.facade import open_store
from tipwatch.store.writer import PostWriter, finish_run, start_run

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)  # a Monday


def _store(engine: sa.Engine, rows: list[tuple[str, str, datetime, bool, str]]) -> None:
    results = []
    for pid, text, at, hit, city in rows:
        start = text.index(city)
        post = Post(id=pid, source="t", position=pid, kind="escort_ad", body=text, platform="site-a", posted_at=at)
        hits = [IndicatorHit("SEX_YOUTH_FRESH", "youth", 1.0, 0, 1, domain="sex_ad", language="en")] if hit else []
        ident = [Identifier("place", city, start, start + len(city))]
        results.append(PostResult(post, ident, hits, Assessment(0.6 if hit else 0.1)))
    run = start_run(engine, "test", ["t"], None)
    writer = PostWriter(engine, run)
    writer.write(results)
    finish_run(engine, run, writer.counts, "ok")


def _corpus(tmp_path: Path) -> str:
    c = Corpus(61)
    rows = []
    for week in range(16):
        for i in range(30):
            at = T0 + timedelta(weeks=week, hours=i)
            rows.append((f"w{week:02d}-{i:02d}", f"{c.noise(12)} kitchen Delhi", at, i < 3, "Delhi"))
        if week >= 12:  # the new code word appears in the last four weeks, in ads with indicator hits
            for i in range(4):
                at = T0 + timedelta(weeks=week, hours=20 + i)
                rows.append((f"z{week:02d}-{i}", f"zorbix girls fresh {c.noise(6)} Pune", at, True, "Pune"))
    url = f"sqlite:///{tmp_path / 't.db'}"
    _store(open_engine(url), rows)
    return url


def test_emerging_terms_and_counts(tmp_path: Path) -> None:
    url = _corpus(tmp_path)
    result = trends(open_store(url))
    assert len(result["weeks"]) == 16 and result["weeks"][0]["week"] == T0.date().isoformat()
    youth = {r["week"]: r["posts"] for r in result["indicators_by_week"] if r["category"] == "youth"}
    assert youth[T0.date().isoformat()] == 3 and youth[(T0 + timedelta(weeks=15)).date().isoformat()] == 7
    assert {"place": "Pune", "category": "youth", "posts": 16} in result["indicators_by_place"]
    terms = [e["term"] for e in result["emerging"]]
    assert "zorbix" in terms  # new, rising, always beside an indicator
    assert "kitchen" not in terms  # steady
    assert "fresh" not in terms  # already in the lexicon
    z = next(e for e in result["emerging"] if e["term"] == "zorbix")
    assert z["baseline_posts"] == 0 and z["recent_posts"] == 16 and z["category"] == "youth"


def test_candidates_are_valid_lexicon_files_once_the_source_is_known(tmp_path: Path) -> None:
    url = _corpus(tmp_path)
    files = candidate_lexicon(trends(open_store(url))["emerging"])
    assert list(files) == ["trends.sex_ad.und.yaml"]
    path = tmp_path / "cand.yaml"
    path.write_text(files["trends.sex_ad.und.yaml"])
    knowledge = default_lexicon().knowledge
    known = knowledge.model_copy(
        update={"sources": {**knowledge.sources, "tipwatch_trends": Source(cite="terms found by tipwatch trends")}}
    )
    entries = load_file(path, known, word_sets(known.sets))
    assert "TREND_ZORBIX" in {e.code for e in entries} and all(e.weight == 0.2 for e in entries)


def test_trends_command(tmp_path: Path) -> None:
    url = _corpus(tmp_path)
    res = CliRunner().invoke(app, ["trends", "--db", url, "--candidates", str(tmp_path / "cand")])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout.strip().splitlines()[0])
    assert "zorbix" in [e["term"] for e in data["emerging"]]
    assert (tmp_path / "cand" / "trends.sex_ad.und.yaml").is_file()
