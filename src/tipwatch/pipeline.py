"""Composition of the per-post stages: raw record -> Post -> identifiers, indicators, score.

Each stage is a pure function of one record plus read-only knowledge; the Analyzer only loads that knowledge once per
process and calls the stages in order. Nothing here re-implements a stage. Engines (engines/) decide where it runs.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from tipwatch.extract import extract
from tipwatch.indicators import assess
from tipwatch.model import AlreadyStored, Outcome, Post, PostResult, Quarantined, RawRecord
from tipwatch.sources import to_post
from tipwatch.text import normalize
from tipwatch.text.language import detect


@dataclass(frozen=True, slots=True)
class Settings:
    """What a run needs to know, small and picklable (sent once to each worker process)."""

    region: str = "IN"
    model_path: str | None = None
    default_kind: str | None = None
    default_platform: str | None = None
    detect_language: bool = True
    media: bool = False  # hash and match the posts' images
    images_dir: str | None = None  # where relative image paths resolve (None: the input file's folder)
    fetch_images: bool = False  # download http(s) image references (only when the user asks)
    allow_private_addresses: bool = False  # let downloads reach loopback/private/link-local addresses


class Analyzer:
    """The per-post stages with their knowledge (lexicons, gazetteer, classifier) loaded once."""

    def __init__(self, settings: Settings, media_index: Any = None) -> None:
        self.settings = settings
        # tipwatch.media.index.MatchIndex over the enabled hash banks (None: hash only, match nothing).
        self.media_index = media_index
        self.classifier = None
        if settings.model_path:
            from tipwatch.indicators.classifier import load_model

            self.classifier = load_model(settings.model_path)

    @property
    def model_name(self) -> str:
        return self.classifier.name if self.classifier is not None else "indicators"

    def analyze_posts(self, posts: list[Post]) -> list[PostResult]:
        results: list[PostResult] = []
        for post in posts:
            text = post.text
            if post.language is None and self.settings.detect_language:
                post.language = detect(text)
            normalized = normalize(text)  # once, shared by extraction and the indicator matcher
            identifiers = extract(text, self.settings.region, normalized=normalized)
            hits, assessment = assess(text, post.kind, identifiers, normalized)
            result = PostResult(post, identifiers, hits, assessment)
            if self.settings.media and post.images:
                result.media = self._media(post)
            results.append(result)
        if self.classifier is not None and results:
            # One batched call: vectorizing many texts at once is far cheaper than one at a time.
            from tipwatch.indicators.classifier import combine

            probas = self.classifier.predict_proba([r.post.text for r in results])
            for result, proba in zip(results, probas, strict=True):
                result.assessment = combine(result.assessment, float(proba))
        return results

    def _media(self, post: Post) -> Any:
        from tipwatch.media.fetch import FetchOptions
        from tipwatch.media.post_media import MediaOptions, analyze_post_media

        fetch_options = FetchOptions(allow_private=self.settings.allow_private_addresses)
        options = MediaOptions(fetch=self.settings.fetch_images, fetch_options=fetch_options)
        return analyze_post_media(post, self.settings.images_dir, index=self.media_index, options=options)

    def process(
        self, raws: list[RawRecord], stored: Callable[[Collection[str]], set[str]] | None = None
    ) -> list[Outcome]:
        """Turn raw records into results, in input order. One bad record never stops the others.

        ``stored`` (the store's ``PostStore.stored``) names the posts' ids the store already holds: those posts come
        back as AlreadyStored, not analysed (the writer would count them as duplicates and keep nothing of the
        analysis), which makes a re-run over a grown or half-loaded file cost little more than reading it."""
        out: list[Outcome | None] = [None] * len(raws)
        posts: list[Post] = []
        slots: list[int] = []
        for i, raw in enumerate(raws):
            try:
                built = to_post(
                    raw,
                    default_kind=self.settings.default_kind,
                    default_platform=self.settings.default_platform,
                )
            except Exception as exc:  # a reader/parser bug must not lose the record: quarantine it with the cause
                built = _internal_error(raw, "building the post", exc)
            if isinstance(built, Quarantined):
                out[i] = built
            else:
                posts.append(built)
                slots.append(i)
        if stored is not None and posts:
            try:
                known = stored({p.id for p in posts})
            except Exception:  # a failed look-up only costs speed: every post is analysed and the writer decides
                known = set()
            if known:
                for slot, post in zip(slots, posts, strict=True):
                    if post.id in known:
                        out[slot] = AlreadyStored(post)
                slots = [slot for slot, post in zip(slots, posts, strict=True) if post.id not in known]
                posts = [post for post in posts if post.id not in known]
        try:
            analyzed = self.analyze_posts(posts)
        except Exception:
            # Find the record(s) at fault one by one so that the rest of the batch is kept.
            analyzed = []
            for post in posts:
                try:
                    analyzed.extend(self.analyze_posts([post]))
                except Exception as exc:
                    analyzed.append(_post_error(post, exc))  # type: ignore[arg-type]
        for slot, result in zip(slots, analyzed, strict=True):
            out[slot] = result
        return [r for r in out if r is not None]


def _internal_error(raw: RawRecord, stage: str, exc: BaseException) -> Quarantined:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno}" if where else ""
    return Quarantined(raw.source, raw.position, f"internal error while {stage}: {exc!r}{at}", raw.raw)


def _post_error(post: Post, exc: BaseException) -> Quarantined:
    raw = RawRecord(post.source, post.position, post.raw)
    return _internal_error(raw, "analyzing the post", exc)
