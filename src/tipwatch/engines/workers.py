"""Module-level entry points for worker processes: each builds its Analyzer once, then processes chunks."""

from __future__ import annotations

from typing import Any

from tipwatch.model import PostResult, Quarantined, RawRecord
from tipwatch.pipeline import Analyzer, Settings

_analyzer: Analyzer | None = None
_analyzer_key: str | None = None


def init_analyzer(settings: Settings, media_index: Any = None) -> None:
    global _analyzer
    _analyzer = Analyzer(settings, media_index)


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


def process_chunk(raws: list[RawRecord]) -> list[PostResult | Quarantined]:
    return analyzer().process(raws)


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
