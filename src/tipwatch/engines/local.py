"""Run a per-chunk function over a stream on this machine's cores, in input order, with bounded memory.

Why not Pool.imap: its feeder thread drains the input as fast as it can, so a fast reader fills memory. Here at most
``workers * depth`` chunks are in flight; the reader waits for the oldest chunk to come back.

Workers never outlive the run (``tipwatch.worker_life.start_worker``). When the parent stops early (an error,
Ctrl-C, SIGTERM) the queued chunks are cancelled and the workers are terminated rather than left to finish.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from tipwatch.engines.base import Job
from tipwatch.model import Outcome
from tipwatch.sources import ReadStats
from tipwatch.worker_life import start_worker

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
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=start_worker, initargs=(os.getpid(), initializer, initargs)
    )
    finished = False
    try:
        pending: deque[Future[list[R]]] = deque()
        for chunk in chunks:
            pending.append(pool.submit(task, chunk))
            if len(pending) >= workers * depth:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # stopped early (error, Ctrl-C, SIGTERM, the consumer gave up): do not finish the queued work
            processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way to stop them
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()


@dataclass(frozen=True, slots=True)
class LocalEngine:
    """This machine: the readers stream in this process, chunks are analysed by ``workers`` processes.

    With ``store_url`` (the run's store) each worker looks up its chunk's post ids there and passes over the posts
    the store already holds (AlreadyStored): they would be counted as duplicates anyway, so a re-run of a grown
    crawl file or of an interrupted load analyses only what is new."""

    workers: int = 1
    store_url: str | None = None

    def run(self, inputs: Sequence[Path | str], job: Job, stats: ReadStats) -> Iterator[list[Outcome]]:
        from tipwatch.engines.workers import init_analyzer, process_chunk, release_store
        from tipwatch.sources import read

        try:
            yield from map_ordered(
                process_chunk,
                read(inputs, columns=job.columns, fmt=job.fmt, stats=stats),
                workers=self.workers,
                chunk_size=job.batch,
                initializer=init_analyzer,
                initargs=(job.settings, job.media_index, self.store_url),
            )
        finally:
            if self.workers <= 1:  # the chunks ran in this process, which opened the store: close it
                release_store()
