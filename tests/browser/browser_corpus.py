"""A small, plainly synthetic corpus in a SQLite store, analysed and linked by the real services: the synth
generator's posts plus a few hand-written ones (a hostile ad, one phone written two ways)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tipwatch.model import Assessment, Post, PostResult
from tipwatch.services.analyze import AnalyzeRequest, analyze
from tipwatch.store.facade import Store
from tipwatch.synth import generate

HOSTILE_ID = "handmade/hostile-1"
RAW_HOSTILE_ID = "raw/hostile-2"  # stored as written, markup and all (no HTML stripping on the way)
PHONE_A_ID = "handmade/phone-1"
PHONE_B_ID = "handmade/phone-2"
HOSTILE_TEXT = 'New girls <script>window.__pwned=1</script> <img src=x onerror="window.__pwned=2"> call 98765 43210'


@dataclass(frozen=True, slots=True)
class Corpus:
    synth_posts: int
    hostile_id: str = HOSTILE_ID
    raw_hostile_id: str = RAW_HOSTILE_ID
    phone_ids: tuple[str, str] = (PHONE_A_ID, PHONE_B_ID)


def _hand_posts() -> list[dict[str, object]]:
    return [
        {
            "id": "hostile-1",
            "platform": "handmade",
            "title": "SYNTHETIC test ad <b>bold</b>",
            "body": HOSTILE_TEXT + "\nfresh arrivals, no advance, hotel service, new in town",
            "posted_at": "2025-03-01T10:00:00Z",
            "location": "Mumbai",
        },
        {
            "id": "phone-1",
            "platform": "handmade",
            "title": "SYNTHETIC massage ad",
            "body": "Body massage by new girls, 24x7, call +91 99001 22334 now, cash only",
            "posted_at": "2025-03-02T10:00:00Z",
            "location": "Pune",
        },
        {
            "id": "phone-2",
            "platform": "handmade",
            "title": "SYNTHETIC spa ad",
            "body": "Spa with young staff, whatsapp 9900122334, hotel visits, advance not needed",
            "posted_at": "2025-03-03T10:00:00Z",
            "location": "Pune",
        },
    ]


def build(store: Store, work: Path, n: int = 160, seed: int = 3) -> Corpus:
    """Write the corpus to JSONL under ``work`` and run analyze (with linking) into ``store``."""
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "posts.jsonl"
    with corpus.open("w", encoding="utf-8") as fh:
        for post, _truth in generate(n, seed):
            fh.write(json.dumps(post) + "\n")
        for post in _hand_posts():
            fh.write(json.dumps(post) + "\n")
    req = AnalyzeRequest([corpus], media=False, workers=1, quarantine_path=work / "q.jsonl")
    done = analyze(store, req, data_dir=work, link_state_dir=work / "state")
    assert done.counts.reconciles, done.counts
    # A post whose stored text is the hostile markup itself, written through the store's own writer.
    run = store.runs.start("test", [], None)
    raw = Post(
        id=RAW_HOSTILE_ID,
        source="hand",
        position="line 1",
        title="SYNTHETIC raw <script>window.__pwned=1</script>",
        body='<img src=x onerror="window.__pwned=2"> <svg onload="window.__pwned=3"></svg> new girls',
        platform="raw",
    )
    sink = store.runs.sink(run)
    sink.write([PostResult(raw, [], [], Assessment(0.99))])
    store.runs.finish(run, sink.counts, "ok")
    return Corpus(n)
