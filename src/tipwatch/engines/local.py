"""Run a per-chunk function over a stream on this machine's cores, in input order, with bounded memory.

Why not Pool.imap: its feeder thread drains the input as fast as it can, so a fast reader fills memory. Here at most
``workers * depth`` chunks are in flight; the reader waits for the oldest chunk to come back.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def map_ordered(
    task: Callable[[list[T]], list[R]],
    items: Iterable[T],
    *,
    workers: int,
    chunk_size: int = 256,
    depth: int = 3,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[list[R]]:
    """Yield ``task(chunk)`` for consecutive chunks of ``items``, in order.

    ``task`` must be a module-level function (picklable). With ``workers <= 1`` everything runs in this process,
    which keeps tests and small inputs simple and debuggable.
    """
    chunks = chunked(items, chunk_size)
    if workers <= 1:
        if initializer is not None:
            initializer(*initargs)
        for chunk in chunks:
            yield task(chunk)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=initializer, initargs=initargs) as pool:
        pending: deque[Future[list[R]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(task, chunk))
            if len(pending) >= workers * depth:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
