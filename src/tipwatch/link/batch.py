"""Turn posts into the compact columns the linker works on: shingle sets and entity memberships.

This is the only place that sees a post's text; everything after works on integers. ``prepare_batch`` is a pure
function of its posts, so chunks of it can run in worker processes and be concatenated (``concat_batches``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import numpy.typing as npt

from tipwatch.engines.local import chunked, map_ordered
from tipwatch.extract.registry import linking_types, masked_types
from tipwatch.link.config import TextConfig
from tipwatch.link.entities import entity_key, type_codes
from tipwatch.link.textsig import TokenHasher, mask_text, shingle_csr, tokens

_SHA256 = re.compile(r"^(?:sha256:)?([0-9a-f]{64})$", re.IGNORECASE)


@dataclass(slots=True)
class PostInput:
    """What the linker needs of one post. ``identifiers`` are (type, normalized value, start, end) on ``text``;
    ``images`` image references or SHA-256 values; ``pdq`` the PDQ hashes (hex) of its usable pictures."""

    id: str
    text: str
    platform: str | None = None
    kind: str = "other"
    images: Sequence[str] = ()
    identifiers: Sequence[tuple[str, str, int, int]] = ()
    pdq: Sequence[str] = ()


@dataclass(slots=True)
class Batch:
    """Compact columns for a batch of posts (local indices 0..n-1)."""

    ids: list[str]
    platform: list[str]
    kind: list[str]
    sh_indptr: npt.NDArray[np.int64]
    sh_ids: npt.NDArray[np.uint32]
    memb_post: npt.NDArray[np.int64]
    memb_key: npt.NDArray[np.uint64]
    memb_type: npt.NDArray[np.uint8]
    values: dict[int, tuple[str, str]] = field(default_factory=dict)
    img_post: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    img_pdq: npt.NDArray[np.uint8] = field(default_factory=lambda: np.zeros((0, 32), np.uint8))
    img_key: npt.NDArray[np.uint64] = field(default_factory=lambda: np.zeros(0, np.uint64))
    # Whether each post carries a contact (phone, email, handle, wallet or URL), hub or not.
    contact: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    # Per membership: the value sits only in a trailing footer line of its post (boilerplate position).
    memb_footer: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))

    @property
    def n(self) -> int:
        return len(self.ids)


def image_sha256(ref: str) -> str | None:
    """The SHA-256 named by an image reference (``<64 hex>`` or ``sha256:<64 hex>``), lower-case; else None.

    A file name or URL says nothing about content: the media stage hashes those and hands hashes in.
    """
    m = _SHA256.match(ref.strip())
    return m.group(1).lower() if m else None


def footer_start(text: str, max_share: float) -> int:
    """Where the post's trailing footer line starts, or len(text) + 1 when it has none.

    A footer is the last non-empty line when text precedes it and it is short next to the post (at most
    ``max_share`` of its characters): platforms print support lines and notices there, apart from the ad.
    """
    end = len(text.rstrip())
    start = text.rfind("\n", 0, end) + 1
    if start <= 0 or not text[:start].strip() or (end - start) > max_share * max(end, 1):
        return len(text) + 1
    return start


def prepare_batch(posts: Iterable[PostInput], cfg: TextConfig, hasher: TokenHasher | None = None) -> Batch:
    hasher = hasher or TokenHasher()
    # link.yaml names the built-in ones; a type registered later says itself whether it is masked.
    mask_types = set(cfg.mask_types) | set(masked_types())
    ids: list[str] = []
    platform: list[str] = []
    kind: list[str] = []
    token_hashes: list[list[int]] = []
    m_post: list[int] = []
    m_key: list[int] = []
    m_type: list[int] = []
    values: dict[int, tuple[str, str]] = {}
    i_post: list[int] = []
    i_pdq: list[bytes] = []
    i_key: list[int] = []
    contact: list[bool] = []
    link_types = linking_types()
    codes = type_codes()
    m_footer: list[bool] = []
    for i, post in enumerate(posts):
        ids.append(post.id)
        platform.append(post.platform or "")
        kind.append(post.kind or "other")
        spans = [(s, e, t) for t, _v, s, e in post.identifiers if t in mask_types]
        token_hashes.append(hasher(tokens(mask_text(post.text, spans))))
        foot = footer_start(post.text, cfg.footer_max_line_share)
        found = [(t, v, s >= foot) for t, v, s, _e in post.identifiers if t in link_types and v]
        contact.append(bool(found))
        found += [("image_sha256", h, False) for h in map(image_sha256, post.images) if h]
        row_of: dict[int, int] = {}
        for etype, value, in_footer in found:
            key = entity_key(etype, value)
            if key in row_of:
                # In the footer only if every occurrence is.
                m_footer[row_of[key]] = m_footer[row_of[key]] and in_footer
                continue
            row_of[key] = len(m_post)
            values[key] = (etype, value)
            m_post.append(i)
            m_key.append(key)
            m_type.append(codes[etype])
            m_footer.append(in_footer)
        for hexhash in dict.fromkeys(h.lower() for h in post.pdq):
            raw = bytes.fromhex(hexhash)
            if len(raw) == 32:
                i_post.append(i)
                i_pdq.append(raw)
                i_key.append(entity_key("image", hexhash))
    indptr, sh_ids = shingle_csr(token_hashes, cfg.shingle_size, cfg.shingle_bits)
    return Batch(
        ids,
        platform,
        kind,
        indptr,
        sh_ids,
        np.asarray(m_post, dtype=np.int64),
        np.asarray(m_key, dtype=np.uint64),
        np.asarray(m_type, dtype=np.uint8),
        values,
        np.asarray(i_post, dtype=np.int64),
        np.frombuffer(b"".join(i_pdq), dtype=np.uint8).reshape(-1, 32).copy(),
        np.asarray(i_key, dtype=np.uint64),
        np.asarray(contact, dtype=bool),
        np.asarray(m_footer, dtype=bool),
    )


# Below this many posts the link stage prepares them in its own process: starting workers (and sending them the
# texts) costs more than it saves.
PARALLEL_MIN_POSTS = 50_000


def _prepare_chunk(posts: list[PostInput], cfg: TextConfig) -> list[Batch]:
    return [prepare_batch(posts, cfg)]


def prepare_posts(posts: Iterable[PostInput], cfg: TextConfig, *, workers: int, chunk: int = 20_000) -> Iterator[Batch]:
    """``prepare_batch`` over consecutive chunks of ``posts``, in order, on ``workers`` processes (1: here).

    Tokenizing and shingling is per-post Python, the one part of linking that does not vectorise; it is pure, so
    chunks run in worker processes and ``concat_batches`` joins them as if prepared in one go.
    """
    if workers <= 1:  # one token memo for the whole corpus (a worker process keeps its own per chunk)
        hasher = TokenHasher()
        for part in chunked(posts, chunk):
            yield prepare_batch(part, cfg, hasher)
        return
    task = partial(_prepare_chunk, cfg=cfg)
    for out in map_ordered(task, posts, workers=workers, chunk_size=chunk, depth=2):
        yield from out


def concat_batches(parts: Sequence[Batch]) -> Batch:
    """One batch from consecutive ones (local indices shifted)."""
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0] + [p.n for p in parts])
    sh_off = np.cumsum([0] + [int(p.sh_indptr[-1]) for p in parts])
    indptr = np.concatenate([[0]] + [p.sh_indptr[1:] + sh_off[i] for i, p in enumerate(parts)]).astype(np.int64)
    values: dict[int, tuple[str, str]] = {}
    for p in parts:
        values.update(p.values)
    return Batch(
        [i for p in parts for i in p.ids],
        [x for p in parts for x in p.platform],
        [x for p in parts for x in p.kind],
        indptr,
        np.concatenate([p.sh_ids for p in parts]).astype(np.uint32),
        np.concatenate([p.memb_post + offsets[i] for i, p in enumerate(parts)]).astype(np.int64),
        np.concatenate([p.memb_key for p in parts]).astype(np.uint64),
        np.concatenate([p.memb_type for p in parts]).astype(np.uint8),
        values,
        np.concatenate([p.img_post + offsets[i] for i, p in enumerate(parts)]).astype(np.int64),
        np.concatenate([p.img_pdq for p in parts]).astype(np.uint8),
        np.concatenate([p.img_key for p in parts]).astype(np.uint64),
        np.concatenate([p.contact for p in parts]).astype(bool),
        np.concatenate([p.memb_footer for p in parts]).astype(bool),
    )


def take_batch(batch: Batch, rows: npt.NDArray[np.int64]) -> Batch:
    """The posts ``rows`` of ``batch``, in that order: the batch ``prepare_batch`` gives for those posts in that order
    (preparing is per post). Memberships and pictures keep their order within a post."""
    rows = np.asarray(rows, dtype=np.int64)
    new_of = np.full(batch.n, -1, dtype=np.int64)
    new_of[rows] = np.arange(len(rows), dtype=np.int64)
    starts = batch.sh_indptr[rows]
    lengths = batch.sh_indptr[rows + 1] - starts
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    pos = np.repeat(starts - indptr[:-1], lengths) + np.arange(int(indptr[-1]), dtype=np.int64)

    def moved(post: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        new = new_of[post]
        at = np.flatnonzero(new >= 0)
        order = at[np.argsort(new[at], kind="stable")]
        return order, new[order]

    m_at, m_post = moved(batch.memb_post)
    i_at, i_post = moved(batch.img_post)
    return Batch(
        [batch.ids[i] for i in rows.tolist()],
        [batch.platform[i] for i in rows.tolist()],
        [batch.kind[i] for i in rows.tolist()],
        indptr,
        batch.sh_ids[pos],
        m_post,
        batch.memb_key[m_at],
        batch.memb_type[m_at],
        dict(batch.values),
        i_post,
        batch.img_pdq[i_at],
        batch.img_key[i_at],
        batch.contact[rows],
        batch.memb_footer[m_at],
    )
