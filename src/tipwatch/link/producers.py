"""Producers: stored posts as the linker's input, with image hashes from the media stage.

A signal found elsewhere as pairs (post_a, post_b, distance) enters as ``engine.ExternalPairs``: one more producer
with its name in state.PAIR_SIGNALS and link.yaml, and the same code path for every signal after that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from tipwatch.link.batch import PostInput
from tipwatch.model import post_text
from tipwatch.store.interface.posts import CHUNK, IdentifierRow, ImageHashRow, PostRecord

T = TypeVar("T")


def chunks(ids: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def post_inputs(
    posts: Iterable[PostRecord],
    identifiers: Iterable[IdentifierRow],
    pictures: Iterable[ImageHashRow],
    *,
    min_quality: int = 50,
) -> list[PostInput]:
    """The linker's view of posts (read with text and images): text, platform, kind, identifiers, image hashes.

    Image hashes are the SHA-256 of images the media stage stored plus image references that already are SHA-256
    values; PDQ hashes (and their mirrors' hashes) of quality ``min_quality`` or more go to ``PostInput.pdq``.
    """
    spans: defaultdict[str, list[tuple[str, str, int, int]]] = defaultdict(list)
    for pid, typ, value, start, end in identifiers:
        spans[pid].append((typ, value, start, end))
    images: defaultdict[str, list[str]] = defaultdict(list)
    pdq: defaultdict[str, list[str]] = defaultdict(list)
    for pid, sha, phash, mirror, quality in pictures:
        if not sha:
            continue
        images[pid].append(sha)
        if phash and quality is not None and quality >= min_quality:
            # The mirror's hash too: a mirrored repost matches it (two picture clusters, same posts).
            pdq[pid].extend(h for h in (phash, mirror) if h)
    return [
        PostInput(
            p.id,
            post_text(p.title, p.body),
            p.platform,
            p.kind,
            [*p.images, *images.get(p.id, [])],
            spans.get(p.id, []),
            pdq.get(p.id, []),
        )
        for p in posts
    ]
