"""Module-level entry points for worker processes: each builds its Analyzer once, then processes chunks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tipwatch.model import Outcome, PostResult, Quarantined, RawRecord
from tipwatch.pipeline import Analyzer, Settings

if TYPE_CHECKING:
    from tipwatch.store.facade import Store

_analyzer: Analyzer | None = None
_analyzer_key: str | None = None
_store: Store | None = None  # the run's store, read by this process to pass over posts it already holds


def init_analyzer(settings: Settings, media_index: Any = None, store_url: str | None = None) -> None:
    """Build this process's Analyzer; with ``store_url``, open that store to look up which posts it holds (each
    worker has its own connection: a look-up by primary key per chunk, no writes)."""
    global _analyzer, _store
    _analyzer = Analyzer(settings, media_index)
    release_store()
    if store_url is not None:
        from tipwatch.store.facade import Store

        _store = Store(store_url, migrate=False)


def release_store() -> None:
    """Close the store ``init_analyzer`` opened in this process (the in-process path; workers close at exit)."""
    global _store
    if _store is not None:
        _store.close()
        _store = None


def analyzer_for(key: str, settings: Settings, media_index: Any = None) -> Analyzer:
    """The Analyzer of run ``key`` in this process, built on first use: a Spark executor's Python worker lives
    across tasks (and runs), so the knowledge is loaded once per worker and per run, not per task."""
    global _analyzer_key
    if _analyzer is None or _analyzer_key != key:
        init_analyzer(settings, media_index)
        _analyzer_key = key
    return analyzer()


def analyzer() -> Analyzer:
    if _analyzer is None:
        raise RuntimeError("init_analyzer() was not called in this process")
    return _analyzer


def process_chunk(raws: list[RawRecord]) -> list[Outcome]:
    return analyzer().process(raws, _store.posts.stored if _store is not None else None)


def score_lines(lines: list[tuple[int, bytes]]) -> list[bytes]:
    """`tipwatch score` in a worker: numbered JSON lines in, one JSON line out per input line, in order."""
    import orjson

    from tipwatch.sources.jsonl import loads_exact

    raws = []
    for number, line in lines:
        text = line.decode("utf-8", "surrogateescape")
        fields = None
        error = None
        try:
            parsed = loads_exact(line)
            if isinstance(parsed, dict):
                fields = parsed
            else:
                error = f"expected a JSON object, got {type(parsed).__name__}"
        except ValueError as exc:
            error = f"invalid JSON: {exc}"
        raws.append(RawRecord("stdin", f"line {number}", text, fields, error))
    out: list[bytes] = []
    for (number, _), result in zip(lines, analyzer().process(raws), strict=True):
        if isinstance(result, Quarantined):
            out.append(orjson.dumps({"id": None, "error": result.reason, "line": number}))
            continue
        if not isinstance(result, PostResult):  # no store is looked up here, so every post is analysed
            raise TypeError(f"unexpected result {type(result).__name__} for line {number}")
        out.append(
            orjson.dumps(
                {
                    # The input's own id, unchanged (the store key adds a namespace); else the content hash.
                    "id": result.post.source_id if result.post.source_id is not None else result.post.id,
                    "risk": round(result.assessment.risk, 6),
                    "indicators": [
                        {"code": h.code, "category": h.category, "start": h.start, "end": h.end} for h in result.hits
                    ],
                }
            )
        )
    return out
