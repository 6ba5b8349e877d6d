"""Search over stored posts (services/search.py, store.search) on SQLite FTS5 and PostgreSQL tsvector: words in
English, Hindi, Bengali and Hinglish; hostile query syntax; identifiers written several ways; paging and order;
the index kept in sync by the database and rebuilt on request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, inspect, text

from tipwatch.model import Assessment, Post, PostResult
from tipwatch.pipeline import Analyzer, Settings
from tipwatch.services.search import SearchError, reindex, search, text_terms
from tipwatch.store.facade import Store, open_store
from tipwatch.store.interface.search import SearchTerm

POSTS = [
    (
        "a/1",
        "New girls in town",
        "Fresh college girls, call 98765 43210",
        "site1",
        0.9,
        datetime(2025, 3, 1, tzinfo=UTC),
    ),
    (
        "a/2",
        "नौकरी उपलब्ध",
        "दुबई में लड़कियों के लिए नौकरी, संपर्क Rani.X@Gmail.com",
        "site2",
        0.7,
        datetime(2025, 3, 5, tzinfo=UTC),
    ),
    ("a/3", "চাকরি", "মেয়েদের জন্য বিদেশে কাজ, যোগাযোগ করুন", "site1", 0.5, datetime(2025, 2, 1, tzinfo=UTC)),
    ("a/4", "Kaam milega", "Ladkiyon ke liye kaam, salary achhi, +91 98765-43210", "site3", 0.3, None),
    (
        "a/5",
        "Room for rent",
        "Quiet room near the station, families only",
        "site1",
        0.05,
        datetime(2025, 1, 1, tzinfo=UTC),
    ),
]


def _results(posts: list[tuple[str, str, str, str, float, datetime | None]]) -> list[PostResult]:
    analyzer = Analyzer(Settings())
    out = []
    for pid, title, body, platform, risk, posted in posts:
        post = Post(pid, "test", "line 1", title=title, body=body, platform=platform, posted_at=posted, raw=body)
        result = analyzer.analyze_posts([post])[0]
        result.assessment = Assessment(risk)  # a fixed risk: the tests check ordering by it
        out.append(result)
    return out


def _write(store: Store, results: list[PostResult]) -> None:
    run = store.runs.start("test", ["test"], None)
    sink = store.runs.sink(run)
    sink.write(results)
    store.runs.finish(run, sink.counts, "ok")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url) as opened:
        _write(opened, _results(POSTS))
        yield opened


def _ids(store: Store, query: str, **kwargs: object) -> list[str]:
    return [h.post_id for h in search(store, query, **kwargs).hits]  # type: ignore[arg-type]


def test_words_in_english_hindi_bengali_hinglish(store: Store) -> None:
    assert _ids(store, "college girls", by="text") == ["a/1"]
    assert _ids(store, "COLLEGE", by="text") == ["a/1"]
    assert _ids(store, "नौकरी") == ["a/2"]
    assert _ids(store, "लड़कियों") == ["a/2"]  # a vowel sign and a nukta inside the word
    assert _ids(store, "মেয়েদের") == ["a/3"]
    assert _ids(store, "বিদেশে কাজ") == ["a/3"]
    assert _ids(store, "ladkiyon kaam") == ["a/4"]
    assert _ids(store, "room", by="text") == ["a/5"]
    assert _ids(store, "girls nowhere", by="text") == []  # every word must be there
    found = search(store, "salary", by="text")
    assert found.by == "text" and found.terms == ["salary"]
    assert "salary" in found.hits[0].snippet.lower() and found.hits[0].title == "Kaam milega"


def test_prefix_terms(store: Store) -> None:
    assert _ids(store, "colle*", by="text") == ["a/1"]
    assert _ids(store, "लड़कि*") == ["a/2"]
    assert _ids(store, "colle", by="text") == []  # without * a word is a whole word
    # Indic words are whole tokens: a piece cut at a vowel sign or nukta is not a word of the post.
    assert _ids(store, "लड") == [] and _ids(store, "मेय") == [] and _ids(store, "নতুন") == []
    assert _ids(store, "লড়*") == [] and _ids(store, "মেয়ে*") == ["a/3"]
    assert text_terms('"colle*" OR x') == [SearchTerm("colle", True), SearchTerm("or"), SearchTerm("x")]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"college',
        "college\"'",
        "girls AND OR NOT",
        "NEAR(girls town, 2)",
        "title:girls",
        "-girls",
        "girls*' & | ! :*",
        "^girls",
        "girls) OR (1=1",
        "'; DROP TABLE posts; --",
        "\\'\\\\",
        "a:* & b",
        "*",
        "girls\x00",
    ],
)
def test_query_syntax_is_data(store: Store, query: str) -> None:
    try:
        found = search(store, query, by="text")
    except SearchError as exc:
        assert "no words" in exc.reason  # only symbols: a clear refusal, never an engine error
        return
    # Every word the query holds must be in each hit; operators are words like any other.
    for hit in found.hits:
        assert hit.post_id.startswith("a/")
    assert _ids(store, "girls", by="text") == ["a/1"]  # the store is intact


def test_operator_words_are_plain_words(store: Store) -> None:
    assert _ids(store, "girls OR room", by="text") == []  # "or" is a word to find, not an operator
    assert _ids(store, "NEAR(girls town)", by="text") == []


def test_identifier_search_normalizes_like_the_extractor(store: Store) -> None:
    for written in ("98765 43210", "+91 98765-43210", "098765 43210", "+919876543210"):
        found = search(store, written)
        assert found.by == "identifier" and found.identifiers == [("phone", "+919876543210")], written
        assert [h.post_id for h in found.hits] == ["a/1", "a/4"], written  # newest first, undated last
        assert all(h.matched == [("phone", "+919876543210")] for h in found.hits)
    for written in ("rani.x@gmail.com", "RANI.X@GMAIL.COM", "Rani.X@Gmail.com"):
        found = search(store, written, by="identifier")
        assert [h.post_id for h in found.hits] == ["a/2"] and found.identifiers == [("email", "rani.x@gmail.com")]
    nothing = search(store, "college", by="identifier")
    assert nothing.by == "identifier" and nothing.hits == [] and nothing.identifiers == []


def test_order_and_paging(store: Store) -> None:
    assert _ids(store, "98765 43210", order="risk") == ["a/1", "a/4"]
    by_risk = search(store, "salary OR", by="text", order="risk")
    assert by_risk.hits == []
    page1 = search(store, "98765 43210", limit=1)
    page2 = search(store, "98765 43210", limit=1, offset=page1.next_offset or 0)
    assert [h.post_id for h in page1.hits + page2.hits] == ["a/1", "a/4"]
    assert page1.next_offset == 1
    assert search(store, "98765 43210", limit=1, offset=2).hits == []
    with pytest.raises(SearchError, match="limit"):
        search(store, "x", limit=0)
    with pytest.raises(SearchError, match="offset"):
        search(store, "x", offset=-1)
    with pytest.raises(SearchError, match="order"):
        search(store, "x", order="oldest")  # type: ignore[arg-type]
    with pytest.raises(SearchError, match="empty"):
        search(store, "   ")
    with pytest.raises(SearchError, match="too long"):
        search(store, "x" * 1001)
    with pytest.raises(SearchError, match="search kind"):
        search(store, "x", by="fuzzy")  # type: ignore[arg-type]


def test_text_ordering_by_risk_and_newest(store: Store) -> None:
    # "site1" words are not indexed (platform is not text); words shared by several posts:
    _write(store, _results([("b/1", "girls wanted", "girls", "x", 0.2, datetime(2025, 6, 1, tzinfo=UTC))]))
    assert _ids(store, "girls", by="text") == ["b/1", "a/1"]
    assert _ids(store, "girls", by="text", order="risk") == ["a/1", "b/1"]


def test_index_follows_the_writer_and_reindex_rebuilds(store: Store, db_url: str) -> None:
    assert store.search.indexed() == len(POSTS)
    _write(store, _results([("c/1", "Spa", "Thai massage therapists wanted", "x", 0.4, None)]))
    assert store.search.indexed() == len(POSTS) + 1
    assert _ids(store, "massage therapists", by="text") == ["c/1"]
    assert reindex(store) == len(POSTS) + 1
    assert _ids(store, "massage", by="text") == ["c/1"] and _ids(store, "नौकरी") == ["a/2"]


def test_search_objects_exist_per_backend(store: Store) -> None:
    engine = store._engine  # the schema itself is what is checked here
    names = set(inspect(engine).get_table_names())
    if store.dialect == "sqlite":
        assert "posts_fts" in names
        with engine.connect() as conn:
            triggers = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        assert {"posts_fts_delete", "posts_fts_update"} <= triggers  # inserts: the writer, batched
    else:
        columns = {c["name"]: c for c in inspect(engine).get_columns("posts")}
        assert "search_doc" in columns and "posts_fts" not in names
        indexes = {i["name"] for i in inspect(engine).get_indexes("posts")}
        assert "ix_posts_search_doc" in indexes


def test_deleted_and_edited_posts_leave_the_index(store: Store) -> None:
    from tipwatch.store.tables import posts

    engine = store._engine
    with engine.begin() as conn:
        conn.execute(posts.update().where(posts.c.id == "a/5").values(body="Sunny flat near the lake"))
        conn.execute(posts.delete().where(posts.c.id == "a/3"))
    assert _ids(store, "room near station", by="text") == []
    assert _ids(store, "sunny lake", by="text") == ["a/5"]
    assert _ids(store, "মেয়েদের") == []
    assert store.search.indexed() == len(POSTS) - 1


def test_backfill_of_a_store_made_before_search(db_url: str) -> None:
    """A store migrated without the search branch, with posts in it, gets them indexed by the migration."""
    from alembic import command

    from tipwatch.store.db import alembic_config, open_engine

    engine = open_engine(db_url, migrate=False)
    for head in ("media@head", "link@head"):
        command.upgrade(alembic_config(engine), head)
    with open_store(db_url, migrate=False) as old:
        runs = old.runs
        run = runs.start("test", ["test"], None)
        # The writer without the index: posts land as an older tipwatch wrote them.
        sink = runs.sink(run)
        sink.write(_results(POSTS[:3]))
        runs.finish(run, sink.counts, "ok")
    engine.dispose()
    with open_store(db_url) as upgraded:  # every command upgrades the store it opens
        assert upgraded.search.indexed() == 3
        assert [h.post_id for h in search(upgraded, "नौकरी").hits] == ["a/2"]
        assert [h.post_id for h in search(upgraded, "college", by="text").hits] == ["a/1"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite orders its FTS5 matches itself
@pytest.mark.parametrize(("query", "by"), [("98765 43210", "identifier"), ("girls", "text")])
def test_newest_first_can_walk_an_index_on_postgresql(store: Store, query: str, by: str) -> None:
    """On a large store a phone or a word held by thousands of posts must not sort every holder: the "newest first"
    query has to be one ix_posts_newest can answer in order (migration 0009_search_speed; a different ORDER BY or a
    missing index leaves only a sort, which enable_sort=off cannot then avoid)."""
    assert store.dialect == "postgresql"
    engine = store._engine  # the plan of the statement the store really runs is what is checked
    seen: list[tuple[str, object]] = []

    def record(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        if "ORDER BY" in statement and "posted_at" in statement:
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert _ids(store, query, by=by)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen
    statement, params = seen[0]
    with engine.connect() as conn:
        conn.exec_driver_sql("SET LOCAL enable_sort = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, params))  # type: ignore[arg-type]
    assert "ix_posts_newest" in plan and "Sort" not in plan.replace("Sort Key", ""), plan
