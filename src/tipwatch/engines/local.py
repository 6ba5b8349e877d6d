"""Run a per-chunk function over a stream on this machine's cores, in input order, with bounded memory.

Why not Pool.imap: its feeder thread drains the input as fast as it can, so a fast reader fills memory. Here at most
``workers * depth`` chunks are in flight; the reader waits for the oldest chunk to come back.

Workers never outlive the run: each asks the kernel to send it SIGKILL when its parent dies (Linux
PR_SET_PDEATHSIG, which also covers a SIGKILLed parent), and a watchdog thread exits the worker when its parent
process id changes (other systems, and the window before prctl). When the parent stops early (an error, Ctrl-C,
SIGTERM) the queued chunks are cancelled and the workers are terminated rather than left to finish.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing as mp
import os
import signal
import threading
import time
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


PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCHDOG_SECONDS = 1.0


def _die_with_parent(parent: int) -> None:
    """Make this (worker) process end when the process that started it ends.

    ``parent`` is the pool owner's pid: with the fork start method it is our parent; with forkserver or spawn our
    parent is a helper process, so the watchdog follows whichever parent we have at start-up."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the watchdog below does the job
    first = os.getppid()
    if first == 1 or (first != parent and mp.get_start_method(allow_none=True) == "fork"):
        os._exit(1)  # the parent died before prctl took effect (we were handed to init)

    def watch() -> None:
        while True:
            time.sleep(WATCHDOG_SECONDS)
            if os.getppid() != first:
                os._exit(1)  # no cleanup to do: the parent owns the store and the run row

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def start_worker(parent: int, initializer: Callable[..., Any] | None = None, initargs: tuple[Any, ...] = ()) -> None:
    """ProcessPoolExecutor initializer for any tipwatch pool: the worker ends with its parent, ignores Ctrl-C (the
    parent handles it), then runs ``initializer``."""
    _die_with_parent(parent)
    # Ctrl-C reaches the whole process group: the parent handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)


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
