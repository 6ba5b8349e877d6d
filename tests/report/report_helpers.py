"""Report test helpers: posts written straight into a store, and the backends to run on."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, insert, make_url
from sqlalchemy import text as sql

from tipwatch.model import post_text
from tipwatch.store.facade import Store as Facade
from tipwatch.store.tables import identifiers, indicator_hits, posts, runs

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday


@dataclass
class Hit:
    code: str
    category: str
    phrase: str  # located in the post text (first occurrence) unless start/end given
    start: int | None = None
    end: int | None = None
    language: str = "en"
    weight: float = 1.0


@dataclass
class Ident:
    type: str
    value: str
    phrase: str
    start: int | None = None
    end: int | None = None
    obfuscated: bool = False


@dataclass
class P:
    id: str
    title: str = ""
    body: str = ""
    risk: float = 0.5
    kind: str = "escort_ad"
    platform: str | None = "examplesite"
    language: str | None = "en"
    posted_at: datetime | None = T0
    location: str | None = "Kolkata"
    images: list[str] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    idents: list[Ident] = field(default_factory=list)
    url: str | None = None


def _span(text: str, phrase: str, start: int | None, end: int | None) -> tuple[int, int]:
    if start is not None and end is not None:
        return start, end
    i = text.index(phrase)
    return i, i + len(phrase)


class Store:
    """Rows written straight into the tables (``engine``); the report reads through the store's repositories
    (``facade``, a ``tipwatch.store.facade.Store`` on the same database)."""

    def __init__(self, engine: Engine, facade: Facade) -> None:
        self.engine = engine
        self.facade = facade
        self.run_id: int | None = None

    def add_run(self, read: int = 0, stored: int = 0, duplicates: int = 0, quarantined: int = 0) -> int:
        with self.engine.begin() as conn:
            res = conn.execute(
                insert(runs).values(
                    started_at=T0,
                    finished_at=T0,
                    command="analyze",
                    inputs=["demo/posts.jsonl"],
                    model="indicators",
                    status="ok",
                    read=read,
                    stored=stored,
                    duplicates=duplicates,
                    quarantined=quarantined,
                )
            )
            self.run_id = int(res.inserted_primary_key[0])
        return self.run_id

    def add(self, items: Iterable[P]) -> None:
        if self.run_id is None:
            self.add_run()
        post_rows, id_rows, hit_rows = [], [], []
        for p in items:
            text = post_text(p.title, p.body)
            post_rows.append(
                dict(
                    id=p.id,
                    run_id=self.run_id,
                    source="demo/posts.jsonl",
                    position=f"line {len(post_rows) + 1}",
                    url=p.url,
                    platform=p.platform,
                    kind=p.kind,
                    title=p.title,
                    body=p.body,
                    posted_at=p.posted_at,
                    location=p.location,
                    images=p.images,
                    language=p.language,
                    raw="{}",
                    risk=p.risk,
                    indicator_risk=p.risk,
                    classifier_risk=None,
                    model="indicators",
                    reasons=p.reasons,
                )
            )
            for h in p.hits:
                s, e = _span(text, h.phrase, h.start, h.end)
                hit_rows.append(
                    dict(
                        post_id=p.id,
                        code=h.code,
                        category=h.category,
                        domain="sex",
                        weight=h.weight,
                        start=s,
                        end=e,
                        text=text[s:e],
                        language=h.language,
                        source="test",
                    )
                )
            for i in p.idents:
                s, e = _span(text, i.phrase, i.start, i.end)
                id_rows.append(
                    dict(
                        post_id=p.id,
                        type=i.type,
                        value=i.value,
                        start=s,
                        end=e,
                        confidence=1.0,
                        obfuscated=i.obfuscated,
                        attrs={},
                    )
                )
        with self.engine.begin() as conn:
            if post_rows:
                conn.execute(insert(posts), post_rows)
            if id_rows:
                conn.execute(insert(identifiers), id_rows)
            if hit_rows:
                conn.execute(insert(indicator_hits), hit_rows)


PG_ENV = "TIPWATCH_TEST_PG_URL"


@contextmanager
def pg_database() -> Iterator[str]:
    """A throw-away database on the test server, so that parallel tests never see each other's rows."""
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.skip(f"{PG_ENV} not set")
    name = f"tw_report_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sql(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
